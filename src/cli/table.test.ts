import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTable } from "./table.ts";

test("formatTable() aligns every column to its widest cell, three spaces apart", () => {
  const out = formatTable(
    ["ID", "NAME", "STATUS"],
    [
      ["3f2a9c1b2d4e", "web", "Up 3 seconds"],
      ["0a1b", "database-1", "Created"],
    ],
  );
  assert.equal(
    out,
    "ID             NAME         STATUS\n" +
      "3f2a9c1b2d4e   web          Up 3 seconds\n" +
      "0a1b           database-1   Created\n",
  );
});

test("formatTable() prints only the header when there are no rows", () => {
  assert.equal(formatTable(["ID", "NAME"], []), "ID   NAME\n");
});
