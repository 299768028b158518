/** A path of proto field names from a message root, e.g. `["book", "author", "name"]`. */
export type FieldPath = readonly string[];

/** `["shelf", "theme"]` → `shelf.theme`. */
export function fieldPathToString(path: FieldPath): string {
  return path.join(".");
}

/** `shelf.theme` → `["shelf", "theme"]`. */
export function parseFieldPath(text: string): FieldPath {
  return text.split(".");
}
