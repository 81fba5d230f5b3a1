// boardingpass's agent tools for the Vercel AI SDK (`ai`): one `tool()` per
// tool of a Toolbox, with core's description and JSON Schema. A failure
// reaches the model as the tool's error text (`[code] message`); the claim
// link never does.
//
//   const tools = aiSdkTools(new Toolbox(client, { owner: 'Ada Lovelace', onClaimLink }))
//   await generateText({ model, tools, stopWhen: stepCountIs(5), prompt })
import { jsonSchema, tool } from 'ai'

import { forModel } from './for-model.mjs'

/** @param {import('boardingpass-sdk').Toolbox} toolbox */
export function aiSdkTools(toolbox) {
  return Object.fromEntries(
    toolbox.toolSpecs().map((spec) => [
      spec.name,
      tool({
        description: spec.description,
        inputSchema: jsonSchema(spec.inputSchema),
        execute: (args, { abortSignal }) =>
          toolbox.call(spec.name, args, { signal: abortSignal }).catch((e) => {
            throw new Error(forModel(e), { cause: e })
          }),
      }),
    ]),
  )
}
