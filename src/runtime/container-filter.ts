// The filters of the container list, as Docker's: name= (a substring), id= (a prefix),
// label=KEY or KEY=VALUE, status=. Several values of one key: any; several keys: all.
import type { ContainerConfig, ObservedState } from "./container.ts";
import { labelMatches } from "./key-value.ts";

export const LIST_FILTERS = ["name", "id", "label", "status"];

export function matchesFilters(
  c: { config: ContainerConfig; state: ObservedState },
  filters: Map<string, string[]>,
): boolean {
  for (const [key, values] of filters) {
    const ok = values.some((v) => {
      switch (key) {
        case "name":
          return c.config.name.includes(v);
        case "id":
          return c.config.id.startsWith(v);
        case "status":
          return c.state.status === v;
        case "label":
          return labelMatches(c.config.labels, v);
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
