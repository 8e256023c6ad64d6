// How closely someone watches a build profile (lib/builds/README.md, "Build notices"). Pure, safe
// in client components.

export type WatchChoice = "no" | "yes" | "every";

export const WATCH_CHOICES: ReadonlyArray<{ value: WatchChoice; label: string }> = [
  { value: "no", label: "Not watching" },
  { value: "yes", label: "Watch failures and fixes" },
  { value: "every", label: "Watch every build" },
];

/** What the choice means, as the form's answer says it. */
export function watchWords(choice: WatchChoice): string {
  switch (choice) {
    case "yes":
      return "Watching: you hear when a build of its default branch or a tag fails, and when it is fixed.";
    case "every":
      return "Watching every build: you hear when a build of its default branch or a tag finishes, with the apps a successful one made.";
    default:
      return "No longer watching: you hear only of builds you start or whose commit you wrote.";
  }
}
