import type { FunctionTool } from '@openai/agents'
import type { Toolbox } from 'boardingpass-sdk'

/** One function tool per tool of `toolbox` (core's names, descriptions and JSON Schemas). */
export declare function openaiAgentsTools(toolbox: Toolbox): FunctionTool[]
