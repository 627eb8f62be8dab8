// The layers of the package, enforced: each target may import (and depend on) only targets of a lower
// layer, so no cycle can form and no layer reaches into a higher one. Read from Package.swift and from the
// `import` lines of every source file, so a new upward import fails here even if SwiftPM would accept it.
import Foundation
import Testing

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Layer of each target of the package (a target may use targets of strictly lower layers only).
private let layers: [String: Int] = [
    "CBLAS": 0, "CSupport": 0, "CHDF5": 0, "CPNG": 0,
    "ZooTensor": 1,
    "ZooNN": 2, "ZooData": 2,
    "ZooMetrics": 3,
    "ZooRuntime": 4,
    "ZooCore": 5,
    "Baselines": 6, "RVD": 6, "SVGLP": 6, "IVRNN": 6, "GANs": 6,
    "VD": 7,            // VD configures RVD's network: the one model built on another
    "ModelZoo": 8,
    "ZooCLI": 9,
    "zoo": 10, "ZooBench": 10,
    "zoo-bench": 11,
]
private let models: Set = ["Baselines", "RVD", "VD", "SVGLP", "IVRNN", "GANs"]

/// Each target's name, folder and in-package dependencies, from Package.swift.
private func packageTargets() throws -> [(name: String, path: String, dependencies: [String])] {
    let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
    let pattern = try NSRegularExpression(
        pattern: #"\.(?:target|executableTarget)\(name: "([\w-]+)"(?:,\s*dependencies: \[([^\]]*)\])?(?:,\s*path: "([^"]+)")?"#)
    return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
        func group(_ i: Int) -> String? { Range(m.range(at: i), in: text).map { String(text[$0]) } }
        let name = group(1)!
        let dependencies = (group(2) ?? "").split(separator: ",").compactMap { item -> String? in
            let trimmed = item.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return nil }  // .product(...) lines
            return String(trimmed.dropFirst().dropLast())
        }
        return (name, group(3) ?? "Sources/\(name)", dependencies)
    }
}

/// The modules the Swift files under `folder` import.
private func imports(under folder: String) throws -> [(file: String, module: String)] {
    let base = root.appendingPathComponent(folder)
    guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
    var out: [(String, String)] = []
    for case let url as URL in walker where url.pathExtension == "swift" {
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if let i = words.firstIndex(of: "import"), i + 1 < words.count, words[..<i].allSatisfy({ $0.hasPrefix("@") }) {
                out.append((url.path.replacingOccurrences(of: root.path + "/", with: ""), words[i + 1]))
            }
        }
    }
    return out
}

@Suite struct Layering {
    @Test func everyTargetHasALayerAndDependsOnLowerLayersOnly() throws {
        let targets = try packageTargets()
        #expect(targets.count >= 18, "Package.swift parsed to \(targets.map(\.name))")
        for target in targets {
            let layer = try #require(layers[target.name], "target \(target.name) has no layer in LayeringTests")
            for dependency in target.dependencies {
                let other = try #require(layers[dependency], "\(target.name) depends on unknown \(dependency)")
                #expect(other < layer, "\(target.name) (layer \(layer)) depends on \(dependency) (layer \(other))")
            }
        }
    }

    @Test func sourcesImportOnlyLowerLayersAndTheCommandLineNoModel() throws {
        for target in try packageTargets() {
            let layer = layers[target.name] ?? 0
            for (file, module) in try imports(under: target.path) {
                guard let other = layers[module] else { continue }  // Foundation, ArgumentParser, ...
                #expect(other < layer, "\(file) (\(target.name), layer \(layer)) imports \(module) (layer \(other))")
                #expect(target.dependencies.contains(module), "\(file) imports \(module), which \(target.name) does not depend on")
                if target.name == "ZooCLI" { #expect(!models.contains(module), "\(file): the command line imports a model") }
            }
            if target.name == "ZooCLI" {
                #expect(target.dependencies.allSatisfy { !models.contains($0) }, "ZooCLI depends on a model: \(target.dependencies)")
            }
        }
    }

    @Test func theCheckCatchesAnUpwardImport() throws {
        // The checks above read real files; this pins that an upward import is one they see.
        let tensorFiles = try imports(under: "Sources/ZooCore/ZooTensor")
        #expect(!tensorFiles.isEmpty && tensorFiles.allSatisfy { (layers[$0.module] ?? -1) < 1 })
        let cli = try imports(under: "Sources/ZooCLI")
        #expect(cli.contains { $0.module == "ModelZoo" } && !cli.contains { models.contains($0.module) })
        #expect((layers["ZooRuntime"] ?? 0) > (layers["ZooNN"] ?? 0))
    }
}
