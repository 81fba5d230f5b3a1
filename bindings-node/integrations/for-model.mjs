// What a model reads when a tool fails: core's code and message (never a
// secret), as the MCP server and the Python integrations word it. An abort
// is not the model's to handle and propagates.
import { AbortError, BoardingpassError } from 'boardingpass-sdk'

export function forModel(error) {
  if (error instanceof AbortError || !(error instanceof BoardingpassError)) throw error
  return `[${error.code}] ${error.message}`
}
