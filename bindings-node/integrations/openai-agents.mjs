// boardingpass's agent tools for the OpenAI Agents SDK (`@openai/agents`):
// one function `tool()` per tool of a Toolbox, with core's description and
// JSON Schema (not strict: several arguments are optional). The result
// reaches the model as JSON text, a failure as the SDK's error text; the
// claim link never does.
//
//   const agent = new Agent({ name: 'deployer', tools: openaiAgentsTools(toolbox) })
import { tool } from '@openai/agents'

/** @param {import('boardingpass').Toolbox} toolbox */
export function openaiAgentsTools(toolbox) {
  return toolbox.toolSpecs().map((spec) =>
    tool({
      name: spec.name,
      description: spec.description,
      parameters: spec.inputSchema,
      strict: false,
      execute: async (args, _context, details) => JSON.stringify(await toolbox.call(spec.name, args, { signal: details?.signal })),
    }),
  )
}
