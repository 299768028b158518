export const MAIN_USAGE = `Usage: protogate <command> [options]

gRPC-to-REST transcoding gateway for protos annotated with google.api.http.

Commands:
  generate   parse protos, validate HTTP rules, write the route table, codecs and OpenAPI
  serve      run the gateway
  openapi    write an OpenAPI 3.1 document

Options:
  --help       show help (also: protogate <command> --help)
  --version    print the version

Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.`;

const COMMON = `  --config F           config file (YAML or JSON); flags override it
  --proto-path DIR     a root to load .proto files from (repeatable); google/api,
                       google/rpc and google/protobuf protos are bundled`;

export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  generate: `Usage: protogate generate [--config F] [--proto-path DIR]... [--out DIR]

Parses the protos, validates their google.api.http rules and writes route-table.json
(routes + codec plans) and openapi.json to DIR.

${COMMON}
  --out DIR            output directory (default: generated)`,
  serve: `Usage: protogate serve [--config F] [--proto-path DIR]... [--backend HOST:PORT] [--listen HOST:PORT] [--generated DIR] [--workers N|auto]

Runs the gateway. Without --generated it generates in memory from the protos.

${COMMON}
  --backend HOST:PORT  default backend for every service (or dns:///name:port)
  --listen HOST:PORT   address to listen on (default: 127.0.0.1:8080)
  --generated DIR      load the output of "protogate generate" instead of protos
  --workers N|auto     processes sharing the listen address (default: 1); auto is
                       the CPUs this process may run on (not a container's CPU limit)`,
  openapi: `Usage: protogate openapi [--config F] [--proto-path DIR]... [--out FILE]

Writes an OpenAPI 3.1 document for every HTTP binding.

${COMMON}
  --out FILE           output file (default: standard output)`,
};
