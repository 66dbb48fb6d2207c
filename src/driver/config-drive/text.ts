// Checks on one piece of user text, shared by every part of the config drive (S4).

import { InvalidInputError } from "../errors.js";

/** A short, quoted, safe rendering of user text for error messages. */
export function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

export function containsControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

export interface TextRules {
  /** Maximum length in Unicode code points. */
  maxChars: number;
  nonEmpty?: boolean;
  /** Reject every C0/C1 control character (otherwise only NUL is rejected). */
  noControl?: boolean;
  /** Allow TAB even when `noControl` is set. */
  allowTab?: boolean;
}

/**
 * Checks one piece of user text: a string, well-formed UTF-16 (so it has a UTF-8
 * encoding), no NUL (or no control character at all), length in code points.
 */
export function checkText(value: unknown, what: string, rules: TextRules): string {
  if (typeof value !== "string") throw new InvalidInputError(`${what} must be a string`);
  if (rules.nonEmpty === true && value === "") throw new InvalidInputError(`${what} must not be empty`);
  // A code point takes at most two UTF-16 units: longer than 2×max cannot fit.
  if (value.length > rules.maxChars * 2) throw new InvalidInputError(`${what} is longer than ${rules.maxChars} characters`);
  let codePoints = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    codePoints++;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw new InvalidInputError(`${what} is not valid Unicode`);
      i++;
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) throw new InvalidInputError(`${what} is not valid Unicode`);
    if (code === 0) throw new InvalidInputError(`${what} contains a NUL character`);
    if (rules.noControl === true && isControl(code) && !(rules.allowTab === true && code === 0x09)) {
      throw new InvalidInputError(`${what} contains a control character`);
    }
  }
  if (codePoints > rules.maxChars) throw new InvalidInputError(`${what} is longer than ${rules.maxChars} characters`);
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function requireArray(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new InvalidInputError(`${what} must be a list`);
  return value;
}

export const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
