// swift-tools-version:6.0
// The zoo: stochastic video prediction in Swift (Residual Video Diffusion and baselines).
import PackageDescription

/// ZooCore's hot loops run on unsafe buffers; release builds drop bounds and exclusivity checks there.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "zoo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zoo", targets: ["zoo"]),
        .library(name: "ZooCore", targets: ["ZooCore"]),
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
        .target(name: "ZooCore", dependencies: ["CBLAS", "CHDF5", "CPNG"], swiftSettings: fastMath),
        .target(name: "RVD", dependencies: ["ZooCore"], path: "Sources/Models/RVD", exclude: ["README.md"]),
        .target(name: "VD", dependencies: ["ZooCore", "RVD"], path: "Sources/Models/VD"),
        .target(name: "SVGLP", dependencies: ["ZooCore"], path: "Sources/Models/SVGLP"),
        .target(name: "IVRNN", dependencies: ["ZooCore"], path: "Sources/Models/IVRNN"),
        .target(name: "GANs", dependencies: ["ZooCore"], path: "Sources/Models/GANs"),
        .target(name: "ModelZoo", dependencies: ["ZooCore", "RVD", "VD", "SVGLP", "IVRNN", "GANs"]),
        .target(name: "ZooCLI", dependencies: [
            "ZooCore", "ModelZoo", "RVD",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: fastMath),
        .executableTarget(name: "zoo", dependencies: ["ZooCLI"]),
        .testTarget(name: "ZooCoreTests", dependencies: ["ZooCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI", "ZooCore", "RVD"]),
        .testTarget(name: "ModelTests", dependencies: ["ZooCore", "ModelZoo", "RVD", "VD"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
