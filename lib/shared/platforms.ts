// Build platforms, apart from lib/validation/profiles.ts so that the profile form imports the
// list without zod (client components ship what they import).

/** Build platforms a profile can target, with the labels the UI shows. */
export const PLATFORMS = [
  { value: "IOS", label: "iOS" },
  { value: "ANDROID", label: "Android" },
  { value: "REACT_NATIVE", label: "React Native" },
  { value: "FLUTTER", label: "Flutter" },
  { value: "DOTNET_MAUI", label: ".NET MAUI" },
  { value: "OTHER", label: "Other" },
] as const;

export type PlatformValue = (typeof PLATFORMS)[number]["value"];

/** The label of a platform value ("DOTNET_MAUI" → ".NET MAUI"). */
export function platformLabel(value: string): string {
  return PLATFORMS.find((platform) => platform.value === value)?.label ?? value;
}
