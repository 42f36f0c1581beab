// node --test reporter that prints one summary line ("interop: N passed, N failed, N skipped")
// and lists every skipped test with its reason, so a skip is never silent.
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const skips = [];
  const failures = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const d = event.data;
    // Count leaf tests only (suites report too, with nesting 0 and children).
    if (d.details?.type === "suite") continue;
    if (event.type === "test:pass" && d.skip !== undefined && d.skip !== false) {
      skipped++;
      skips.push(`  skipped: ${d.name}: ${d.skip === true ? "(no reason)" : d.skip}`);
    } else if (event.type === "test:pass") {
      passed++;
    } else {
      failed++;
      failures.push(`  failed: ${d.name}`);
    }
  }
  for (const line of [...skips, ...failures]) yield `${line}\n`;
  yield `interop: ${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
