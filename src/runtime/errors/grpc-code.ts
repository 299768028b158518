/** gRPC status codes (google.rpc.Code). A const object, not an enum: erasable TypeScript. */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

/** Narrows a number received from a backend; anything outside 0..16 is UNKNOWN. */
export function toCode(value: number): Code {
  return Number.isInteger(value) && value >= 0 && value <= 16 ? (value as Code) : Code.UNKNOWN;
}
