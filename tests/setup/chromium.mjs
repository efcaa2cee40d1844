// Where the tests find Chromium (Debian's package, or CHROMIUM_PATH), and the check `npm test` runs
// first: the browser and end-to-end tests need it, so a machine without it hears so at once, not
// after minutes of Node tests. Plain JavaScript, so that the check starts in milliseconds.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && !existsSync(CHROMIUM_PATH)) {
  console.error(
    `npm test: Chromium not found at ${CHROMIUM_PATH}. The browser and end-to-end tests run in real ` +
      `Chromium: install Debian's chromium package (sudo apt-get install chromium), or point ` +
      `CHROMIUM_PATH at a Chromium or Chrome binary (CHROMIUM_PATH=/path/to/chrome npm test).`,
  );
  process.exit(1);
}
