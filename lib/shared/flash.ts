/** The cookie that carries a one-time confirmation from a server action to the page it redirects to (lib/entry/flash.ts). */
export const FLASH_COOKIE = "keel_flash";
