// boardingpass's agent tools for the OpenAI Agents SDK (`@openai/agents`):
// one function `tool()` per tool of a Toolbox, with core's description and
// JSON Schema (not strict: several arguments are optional). The result
// reaches the model as JSON text, a failure as `[code] message`; the claim
// link never does.
//
//   const agent = new Agent({ name: 'deployer', tools: openaiAgentsTools(toolbox) })
import { tool } from '@openai/agents'

import { forModel } from './for-model.mjs'

/** @param {import('boardingpass-sdk').Toolbox} toolbox */
export function openaiAgentsTools(toolbox) {
  return toolbox.toolSpecs().map((spec) =>
    tool({
      name: spec.name,
      description: spec.description,
      parameters: spec.inputSchema,
      strict: false,
      execute: (args, _context, details) =>
        toolbox.call(spec.name, args, { signal: details?.signal }).then(JSON.stringify, forModel),
    }),
  )
}
