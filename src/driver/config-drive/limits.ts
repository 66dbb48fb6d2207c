// The bounds on what a user may put in a config drive (S4), in one place.

import { MAX_USER_DATA_BYTES } from "./user-data.js";

export const CONFIG_DRIVE_LIMITS = {
  userDataBytes: MAX_USER_DATA_BYTES,
  metadataItems: 128,
  metadataKeyChars: 255,
  metadataValueChars: 255,
  publicKeys: 100,
  publicKeyChars: 16_384,
  files: 5,
  filePathChars: 255,
  fileBytes: 10_240,
  vendorDataBytes: 65_535,
} as const;

/** Bounds that are not user-tunable limits of the API but still keep input small. */
export const KEY_NAME_CHARS = 255;
export const TEXT_FIELD_CHARS = 255;
export const ADMIN_PASS_CHARS = 255;
export const VENDOR_DATA_DEPTH = 32;
export const BOND_PROPERTY_VALUE_CHARS = 255;
export const RANDOM_SEED_BYTES = 512;

