import type { Tool } from 'ai'
import type { Toolbox } from 'boardingpass-sdk'

/** One AI SDK tool per tool of `toolbox`, keyed by name (core's descriptions and JSON Schemas). */
export declare function aiSdkTools(toolbox: Toolbox): Record<string, Tool<Record<string, unknown>, Record<string, unknown>>>
