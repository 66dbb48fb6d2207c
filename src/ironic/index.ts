// Public surface of the Ironic client layer.
export * from "./allocations.js";
export * from "./client.js";
export * from "./config.js";
export * from "./errors.js";
export * from "./microversion.js";
export * from "./node-schema.js";
export * from "./nodes.js";
export * from "./ports.js";
export * from "./retry.js";
export * from "./states.js";
export * from "./volumes.js";
export { statusError, type IronicRequest, type IronicResponse } from "./http.js";
