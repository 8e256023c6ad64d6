import type { WorkflowStep } from "./workflow";

// Common steps (lib/builds/README.md, "Common steps"): what mobile builds of each platform run,
// as ready commands the workflow editor adds with one choice — a team moving from App Center or
// another CI starts from working commands instead of an empty field. Each is an ordinary step
// afterwards (edited, moved, removed); nothing refers back to the library. What a step needs
// from the profile (a variable, a secret file) is said in its first comment lines, and what it
// produces (an app, JUnit reports) is added to the workflow's Artifacts with it. Pure, safe in
// client components.

export type LibraryStep = WorkflowStep & {
  id: string;
  /** Artifact patterns the step's output is kept by (added to Artifacts when missing). */
  keeps: string[];
};

type Entry = { id: string; name: string; platforms: readonly string[] | "all"; keeps: (platform: string) => string[]; command: (platform: string) => string };

const ALL = "all" as const;

/** The first file a shell glob matches, as a command substitution. */
const first = (glob: string) => `"$(ls ${glob} | head -n 1)"`;
/** .NET MAUI's output sits under the app project's folder, wherever it is in the repository. */
const found = (path: string) => `"$(find . -path '*/${path}' | head -n 1)"`;

/** Where each platform's usual release build leaves the app a tester installs (an .ipa on iOS, an .apk elsewhere). */
const TESTER_APP: Record<string, string> = {
  IOS: first("build/ipa/*.ipa"),
  ANDROID: first("app/build/outputs/apk/release/*.apk"),
  REACT_NATIVE: first("android/app/build/outputs/apk/release/*.apk"),
  FLUTTER: first("build/app/outputs/flutter-apk/app-release.apk"),
  DOTNET_MAUI: found("bin/Release/net8.0-android/publish/*-Signed.apk"),
  OTHER: first("dist/*.apk"),
};

/** Where the App Store's .ipa is. */
const IPA: Record<string, string> = { FLUTTER: first("build/ios/ipa/*.ipa"), REACT_NATIVE: first("ios/build/ipa/*.ipa"), DOTNET_MAUI: found("bin/Release/net8.0-ios/ios-arm64/publish/*.ipa") };

/** Where Google Play's .aab is. */
const AAB: Record<string, string> = {
  FLUTTER: first("build/app/outputs/bundle/release/*.aab"),
  REACT_NATIVE: first("android/app/build/outputs/bundle/release/*.aab"),
  DOTNET_MAUI: found("bin/Release/net8.0-android/publish/*-Signed.aab"),
};

const lines = (...parts: string[]) => parts.join("\n");

const ENTRIES: readonly Entry[] = [
  {
    id: "cocoapods",
    name: "Install CocoaPods dependencies",
    platforms: ["IOS", "REACT_NATIVE", "FLUTTER"],
    keeps: () => [],
    command: (platform) => lines("# Cache Pods between builds under Caches (key file: the Podfile.lock).", platform === "IOS" ? "pod install" : "cd ios && pod install"),
  },
  {
    id: "xcodebuild-test",
    name: "Test (xcodebuild)",
    platforms: ["IOS"],
    keeps: () => ["build/reports/*.xml"],
    command: () =>
      lines(
        "# Set XCODE_WORKSPACE and XCODE_SCHEME under Variables (App.xcworkspace, App). Needs xcbeautify on the Mac;",
        "# its JUnit report is kept, so the build page lists failed tests.",
        "set -o pipefail",
        'xcodebuild test -workspace "$XCODE_WORKSPACE" -scheme "$XCODE_SCHEME" -destination "platform=iOS Simulator,name=iPhone 16" \\',
        "  | xcbeautify --report junit --report-path build/reports",
      ),
  },
  {
    id: "xcodebuild-archive",
    name: "Archive and export the .ipa",
    platforms: ["IOS"],
    keeps: () => ["build/ipa/*.ipa", "build/App.xcarchive/dSYMs/**"],
    command: () =>
      lines(
        "# Set XCODE_WORKSPACE and XCODE_SCHEME under Variables, and commit the ExportOptions.plist that says how to sign",
        "# (method, teamID). The build number is Keel's, so the App Store always gets a higher one.",
        "set -o pipefail",
        'xcodebuild archive -workspace "$XCODE_WORKSPACE" -scheme "$XCODE_SCHEME" -configuration Release \\',
        '  -destination "generic/platform=iOS" -archivePath build/App.xcarchive CURRENT_PROJECT_VERSION="$KEEL_BUILD_NUMBER"',
        "xcodebuild -exportArchive -archivePath build/App.xcarchive -exportOptionsPlist ExportOptions.plist -exportPath build/ipa",
      ),
  },
  {
    id: "testflight",
    name: "Upload to TestFlight (fastlane)",
    platforms: ["IOS", "REACT_NATIVE", "FLUTTER", "DOTNET_MAUI"],
    keeps: () => [],
    command: (platform) =>
      lines(
        "# Needs a secret file whose variable is APP_STORE_CONNECT_API_KEY: an App Store Connect API key in fastlane's",
        "# JSON form (key_id, issuer_id, key). Testers read the commits since the last good build as What to Test.",
        `fastlane pilot upload --ipa ${IPA[platform] ?? first("build/ipa/*.ipa")} \\`,
        '  --api_key_path "$APP_STORE_CONNECT_API_KEY" --changelog "$(cat "$KEEL_BUILD_CHANGELOG")"',
      ),
  },
  {
    id: "gradle-test",
    name: "Unit tests (Gradle)",
    platforms: ["ANDROID"],
    keeps: () => ["**/build/test-results/**/*.xml"],
    command: () => lines("# Gradle writes a JUnit report per test class; they are kept, so the build page lists failed tests.", "./gradlew testDebugUnitTest"),
  },
  {
    id: "gradle-bundle",
    name: "Build the release bundle (Gradle)",
    platforms: ["ANDROID"],
    keeps: () => ["app/build/outputs/bundle/release/*.aab"],
    command: () => lines("# Google Play takes an .aab signed with your upload key (the app's signingConfigs; its keystore as a secret file).", "./gradlew bundleRelease"),
  },
  {
    id: "gradle-apk",
    name: "Build the release APK (Gradle)",
    platforms: ["ANDROID"],
    keeps: () => ["app/build/outputs/apk/release/*.apk"],
    command: () => lines("# An .apk installs straight on a tester's phone from Keel's shared link.", "./gradlew assembleRelease"),
  },
  {
    id: "google-play",
    name: "Upload to Google Play (fastlane)",
    platforms: ["ANDROID", "REACT_NATIVE", "FLUTTER", "DOTNET_MAUI"],
    keeps: () => [],
    command: (platform) =>
      lines(
        "# Needs the variable ANDROID_PACKAGE_NAME and a secret file whose variable is GOOGLE_PLAY_JSON_KEY: the JSON key",
        "# of a service account invited to the app in Play Console. It goes to the internal testing track.",
        `fastlane supply --aab ${AAB[platform] ?? first("app/build/outputs/bundle/release/*.aab")} \\`,
        '  --package_name "$ANDROID_PACKAGE_NAME" --track internal --json_key "$GOOGLE_PLAY_JSON_KEY"',
      ),
  },
  {
    id: "flutter-test",
    name: "Get packages and test (Flutter)",
    platforms: ["FLUTTER"],
    keeps: () => [],
    command: () => lines("flutter pub get", "flutter test"),
  },
  {
    id: "flutter-appbundle",
    name: "Build the app bundle (Flutter)",
    platforms: ["FLUTTER"],
    keeps: () => ["build/app/outputs/bundle/release/*.aab"],
    command: () => lines("# The build number is Keel's, so Google Play always gets a higher one.", 'flutter build appbundle --build-number "$KEEL_BUILD_NUMBER"'),
  },
  {
    id: "flutter-ipa",
    name: "Build the .ipa (Flutter)",
    platforms: ["FLUTTER"],
    keeps: () => ["build/ios/ipa/*.ipa"],
    command: () =>
      lines("# Commit ios/ExportOptions.plist (method, teamID); runs on a Mac.", 'flutter build ipa --build-number "$KEEL_BUILD_NUMBER" --export-options-plist ios/ExportOptions.plist'),
  },
  {
    id: "npm-ci",
    name: "Install packages (npm)",
    platforms: ["REACT_NATIVE", "OTHER"],
    keeps: () => [],
    command: () => lines("# Cache node_modules between builds under Caches (key file: package-lock.json).", "npm ci"),
  },
  {
    id: "jest-junit",
    name: "Tests with a JUnit report (Jest)",
    platforms: ["REACT_NATIVE", "OTHER"],
    keeps: () => ["reports/*.xml"],
    command: () => lines("# Needs jest-junit among the devDependencies; its report is kept, so the build page lists failed tests.", "JEST_JUNIT_OUTPUT_DIR=reports npx jest --ci --reporters=default --reporters=jest-junit"),
  },
  {
    id: "maui-android",
    name: "Publish the Android app (.NET MAUI)",
    platforms: ["DOTNET_MAUI"],
    keeps: () => ["**/bin/Release/net8.0-android/publish/*-Signed.apk", "**/bin/Release/net8.0-android/publish/*-Signed.aab"],
    command: () =>
      lines("# Name the app's project if the repository's root has several (dotnet publish src/App/App.csproj …).", 'dotnet publish -f net8.0-android -c Release -p:ApplicationVersion="$KEEL_BUILD_NUMBER"'),
  },
  {
    id: "firebase",
    name: "Send to testers (Firebase App Distribution)",
    platforms: ALL,
    keeps: () => [],
    command: (platform) =>
      lines(
        "# Needs the firebase CLI on the worker, the variable FIREBASE_APP_ID, and a secret file whose variable is",
        "# GOOGLE_APPLICATION_CREDENTIALS (a service account's JSON key). Testers read the commits since the last good build.",
        `firebase appdistribution:distribute ${TESTER_APP[platform] ?? TESTER_APP.OTHER!} --app "$FIREBASE_APP_ID" \\`,
        '  --release-notes-file "$KEEL_BUILD_CHANGELOG" --groups "testers"',
      ),
  },
  {
    id: "fastlane",
    name: "Run a fastlane lane",
    platforms: ALL,
    keeps: () => [],
    command: () => lines("# Replace beta with your lane; its keys and passwords go under Variables (secret) and Secret files.", "bundle install", "bundle exec fastlane beta"),
  },
];

/** The common steps for a platform, in the library's order (its own builds first, then distribution). */
export function stepLibrary(platform: string): LibraryStep[] {
  return ENTRIES.filter((entry) => entry.platforms === ALL || entry.platforms.includes(platform)).map((entry) => ({
    id: entry.id,
    name: entry.name,
    command: entry.command(platform),
    keeps: entry.keeps(platform),
  }));
}

/** The artifact patterns field with `keeps` added where missing (one per line, as the field holds them); the patterns added. */
export function withPatterns(field: string, keeps: string[]): { field: string; added: string[] } {
  const present = new Set(field.split("\n").map((line) => line.trim()).filter(Boolean));
  const added = keeps.filter((pattern) => !present.has(pattern));
  if (added.length === 0) {
    return { field, added };
  }
  const base = field.replace(/\s+$/, "");
  return { field: [base, ...added].filter(Boolean).join("\n"), added };
}
