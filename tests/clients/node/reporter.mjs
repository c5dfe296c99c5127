// SPDX-License-Identifier: Apache-2.0
//
// A node:test reporter that prints one line per finished test for
// tests/integration/clients-node.sh: "ok NAME", "not ok NAME" or
// "skip NAME # REASON", then "# " lines with a failure's details. Suites
// are not reported, only the tests in them.
import { inspect } from "node:util";

function detailLines(error) {
  const cause = error?.cause ?? error;
  const text = cause instanceof Error ? cause.stack ?? String(cause) : inspect(cause, { depth: 4 });
  return text.split("\n").slice(0, 30);
}

export default async function* report(source) {
  for await (const event of source) {
    const data = event.data;
    const isSuite = data?.details?.type === "suite";
    switch (event.type) {
      case "test:pass":
        if (isSuite) break;
        if (data.skip !== undefined) {
          yield `skip ${data.name} # ${typeof data.skip === "string" ? data.skip : "skipped"}\n`;
        } else {
          yield `ok ${data.name}\n`;
        }
        break;
      case "test:fail":
        if (isSuite && data.details.error?.failureType === "subtestsFailed") break;
        yield `not ok ${data.name}\n`;
        for (const line of detailLines(data.details.error)) yield `# ${line}\n`;
        break;
      case "test:stderr":
      case "test:stdout":
        // Output of the test files themselves goes to the log, not TAP.
        process.stderr.write(data.message);
        break;
      default:
        break;
    }
  }
}
