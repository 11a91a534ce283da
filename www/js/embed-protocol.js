// The postMessage protocol between a lesson in an iframe and the page that embeds it.
//
// Host → lesson:  { type: "receval:set-state", state: { <control>: value, … } }
//                 { type: "receval:get-state" }
// Lesson → host:  { type: "receval:ready", lesson, version, state }
//                 { type: "receval:state-changed", lesson, state }
//                 { type: "receval:resize", lesson, height }        (document height in CSS pixels)
//                 { type: "receval:error", lesson, message }        (a set-state that was refused)
//                 { type: "receval:progress", lesson, item, kind, correct, attempts }
//                                                   (a prediction or exercise answered; kind "prediction" | "exercise")
//
// Both sides check the message's shape, its source window and its origin before acting.

export const PROTOCOL_VERSION = 1;
export const HOST_TYPES = new Set(['receval:set-state', 'receval:get-state']);
export const LESSON_TYPES = new Set(['receval:ready', 'receval:state-changed', 'receval:resize', 'receval:error', 'receval:progress']);

/** A plain object with a known `type` string (nothing else is read until validated further). */
export function isMessage(data, types) {
  return data !== null && typeof data === 'object' && !Array.isArray(data) && typeof data.type === 'string' && types.has(data.type);
}

/**
 * The origin of the page embedding this document, when known: Chromium and Safari expose
 * location.ancestorOrigins; otherwise the referrer's origin. `null` when not embedded.
 */
export function parentOrigin() {
  if (window.parent === window) return null;
  try {
    if (location.ancestorOrigins && location.ancestorOrigins.length > 0) return location.ancestorOrigins[0];
  } catch {
    /* not available */
  }
  try {
    if (document.referrer) return new URL(document.referrer).origin;
  } catch {
    /* malformed referrer */
  }
  return null;
}
