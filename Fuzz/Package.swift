// swift-tools-version:6.0
// libFuzzer targets for zoo's file readers. Not part of the main build: it is its own package, it depends on
// the root package by path, and it only builds with the fuzzer sanitizer (libFuzzer supplies `main`):
//
//     swift build --package-path Fuzz --sanitize=fuzzer --sanitize=address
//
// docs/fuzzing.md says how to make the seed corpora and run each target.
import PackageDescription

/// One executable per input surface; each defines `LLVMFuzzerTestOneInput` and calls the entry points the
/// product calls.
let surfaces = ["fuzz-checkpoint", "fuzz-clipstore", "fuzz-png", "fuzz-frame-names", "fuzz-config", "fuzz-metrics"]

let package = Package(
    name: "zoo-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "zoo", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
    ] + surfaces.map { name in
        .executableTarget(name: name, dependencies: [
            "FuzzSupport",
            .product(name: "ZooCore", package: "zoo"),
            .product(name: "ModelZoo", package: "zoo"),
            .product(name: "ZooCLI", package: "zoo"),
        ], path: "Sources/\(name)")
    },
    swiftLanguageModes: [.v5]
)
