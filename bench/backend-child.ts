/**
 * The demo LibraryService as its own process, so the benchmark can pin it to a cpu:
 * `node dist/bench/backend-child.js [--listen 127.0.0.1:0]` prints
 * `backend listening on HOST:PORT` and stops on SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import { startLibraryBackend } from "../demo/library-backend.js";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { listen: { type: "string", default: "127.0.0.1:0" } }, strict: true });
  const backend = await startLibraryBackend(values.listen);
  process.stdout.write(`backend listening on ${backend.address}\n`);
  const stop = (): void => {
    void backend.stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`backend-child: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
