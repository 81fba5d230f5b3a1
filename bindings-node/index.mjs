// ES module entry: the CommonJS package re-exported, so `import` and
// `require` share one native module and one set of classes.
export * from './lib/index.js'
export { default } from './lib/index.js'
