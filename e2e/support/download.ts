import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";

/** How many times a download the browser itself canceled is clicked (see downloadOf). */
const CANCELED_DOWNLOAD_TRIES = 4;

/**
 * Clicks what starts a download (a link; never a form that changes something) and reads the
 * file. Chromium now and then reports a download of a link with the `download` attribute as
 * "canceled" before its response arrived — seen in full runs (once twice in a row for the same
 * link), never reproduced alone, with no request reaching Keel — so a download canceled by the
 * browser is clicked again, a moment later, up to CANCELED_DOWNLOAD_TRIES times; any other failure
 * (the server cut the response) fails the test at once.
 */
export async function downloadOf(page: Page, click: () => Promise<void>): Promise<{ name: string; body: Buffer }> {
  for (let attempt = 1; ; attempt += 1) {
    const [download] = await Promise.all([page.waitForEvent("download"), click()]);
    const failure = await download.failure();
    if (failure === "canceled" && attempt < CANCELED_DOWNLOAD_TRIES) {
      await page.waitForTimeout(250 * attempt);
      continue;
    }
    if (failure) {
      throw new Error(`the download of ${download.url()} failed: ${failure}`);
    }
    return { name: download.suggestedFilename(), body: readFileSync(await download.path()) };
  }
}
