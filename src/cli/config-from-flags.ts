import { applyCliOverrides, loadConfig } from "../config/load-config.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { CommandFlags } from "./main.js";

/** The config file (or defaults), with the command-line flags on top: flags win (SPEC §1). */
export function configFromFlags(flags: CommandFlags): GatewayConfig {
  return applyCliOverrides(loadConfig(flags.config), {
    ...(flags.listen === undefined ? {} : { listen: flags.listen }),
    ...(flags.protoPaths.length === 0 ? {} : { protoPaths: flags.protoPaths }),
    ...(flags.backend === undefined ? {} : { backend: flags.backend }),
  });
}
