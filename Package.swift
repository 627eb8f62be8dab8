// swift-tools-version:6.0
// The zoo: stochastic video prediction in Swift (Residual Video Diffusion and baselines).
import PackageDescription

/// The kernels' hot loops run on unsafe buffers; release builds drop exclusivity checks there. Everything
/// else keeps Swift's checks (preconditions, overflow, bounds) in release builds.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "zoo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zoo", targets: ["zoo"]),
        .executable(name: "zoo-bench", targets: ["zoo-bench"]),
        .library(name: "ZooCore", targets: ["ZooCore"]),
        // For the libFuzzer package in Fuzz/ (docs/fuzzing.md), which calls the commands' entry points.
        .library(name: "ModelZoo", targets: ["ModelZoo"]),
        .library(name: "ZooCLI", targets: ["ZooCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS is opened with dlopen at first use (after OPENBLAS_CORETYPE is chosen), so this is a
        // plain C target; pkg-config's openblas only supplies the header path at build time.
        .target(name: "CBLAS", path: "Sources/CBLAS", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        // C: process-level support (malloc settings a program opts into, the autodiff recording switch).
        .target(name: "CSupport", path: "Sources/CSupport"),
        // ZooCore: the backend in layers, each a target that can only import the ones below it
        // (Tests/ZooCLITests/LayeringTests.swift checks Package.swift and the imports).
        .target(name: "ZooTensor", dependencies: ["CBLAS", "CSupport"], path: "Sources/ZooCore/ZooTensor",
                swiftSettings: kernelSettings),
        .target(name: "ZooNN", dependencies: ["ZooTensor"], path: "Sources/ZooCore/ZooNN"),
        .target(name: "ZooData", dependencies: ["ZooTensor", "CBLAS", "CSupport", "CHDF5", "CPNG"], path: "Sources/ZooCore/ZooData"),
        .target(name: "ZooMetrics", dependencies: ["ZooTensor", "ZooNN", "ZooData"], path: "Sources/ZooCore/ZooMetrics"),
        .target(name: "ZooRuntime", dependencies: ["ZooTensor", "ZooNN", "ZooData", "ZooMetrics", "CSupport"], path: "Sources/ZooCore/ZooRuntime"),
        .target(name: "ZooCore", dependencies: ["ZooTensor", "ZooNN", "ZooData", "ZooMetrics", "ZooRuntime"],
                path: "Sources/ZooCore/ZooCore"),
        // Models: one target per family; they import ZooCore only (VD configures RVD's network).
        .target(name: "Baselines", dependencies: ["ZooCore"], path: "Sources/Models/Baselines"),
        .target(name: "RVD", dependencies: ["ZooCore"], path: "Sources/Models/RVD", exclude: ["README.md"]),
        .target(name: "VD", dependencies: ["ZooCore", "RVD"], path: "Sources/Models/VD"),
        .target(name: "SVGLP", dependencies: ["ZooCore"], path: "Sources/Models/SVGLP", exclude: ["README.md"]),
        .target(name: "IVRNN", dependencies: ["ZooCore"], path: "Sources/Models/IVRNN", exclude: ["README.md"]),
        .target(name: "GANs", dependencies: ["ZooCore"], path: "Sources/Models/GANs", exclude: ["README.md", "FutureGAN/README.md"]),
        // The registry: the one list of models.
        .target(name: "ModelZoo", dependencies: ["ZooCore", "Baselines", "RVD", "VD", "SVGLP", "IVRNN", "GANs"]),
        // The command line; it reaches models only through the registry.
        .target(name: "ZooCLI", dependencies: [
            "ZooCore", "ModelZoo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "zoo", dependencies: ["ZooCore", "ZooCLI"]),
        // Benchmarks against PyTorch: a target and executable of their own (`zoo bench` runs `zoo-bench`).
        .target(name: "ZooBench", dependencies: [
            "ZooCore", "ZooCLI", "RVD", "SVGLP", "IVRNN", "GANs",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "zoo-bench", dependencies: ["ZooCore", "ZooBench"]),
        .testTarget(name: "ZooCoreTests", dependencies: ["ZooCore", "ZooTensor", "ZooNN", "ZooData", "ZooMetrics", "ZooRuntime", "Baselines"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI", "ZooCore", "RVD", "Baselines"]),
        .testTarget(name: "ZooBenchTests", dependencies: ["ZooBench", "ZooCLI", "ZooCore", "RVD", "SVGLP", "IVRNN", "GANs"]),
        .testTarget(name: "ModelTests", dependencies: ["ZooCore", "ZooTensor", "ZooNN", "ZooData", "ZooMetrics", "ZooRuntime",
                                                     "ModelZoo", "Baselines", "RVD", "VD", "GANs", "IVRNN", "SVGLP"],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
