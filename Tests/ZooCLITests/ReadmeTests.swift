// The README opens with exactly two commands, and CI runs the second one verbatim.
import Foundation
import Testing

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The lines of the README's first fenced code block.
private func openingCommands() throws -> [String] {
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let blocks = readme.components(separatedBy: "```")
    try #require(blocks.count >= 3, "README.md has no code block")
    return blocks[1].split(separator: "\n").dropFirst().map(String.init).filter { !$0.isEmpty }  // drop "sh"
}

@Test func readmeOpensWithTwoCommands() throws {
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let beforeBlock = readme.components(separatedBy: "```")[0].split(separator: "\n").filter { !$0.isEmpty }
    #expect(beforeBlock.count == 2, "title and one sentence before the commands")
    let commands = try openingCommands()
    #expect(commands.count == 2)
    #expect(commands.allSatisfy { $0.hasPrefix("./scripts/install-deps.sh && swift build") })
    #expect(commands.first?.hasSuffix("zoo train rvd") == true, "the main job is zoo train rvd")
    #expect(commands.last?.hasSuffix("swift test --no-parallel") == true)
    // The metric tests compare the real LPIPS and I3D networks: the test command fetches their weights first.
    #expect(commands.last?.contains("zoo weights fetch && swift test") == true)
}

@Test func ciRunsTheReadmeTestCommand() throws {
    let commands = try openingCommands()
    let ci = try String(contentsOf: root.appendingPathComponent(".ci/run"), encoding: .utf8)
    let lines = ci.split(separator: "\n").map(String.init)
    #expect(lines.first == "#!/usr/bin/env bash")
    #expect(lines.contains("set -euo pipefail"))
    #expect(lines.last == commands.last, ".ci/run must end with the README's test command")
}
