// `zoo list`: the registered models with their presets, summaries and papers.
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

/// One model as `zoo list --json` prints it.
struct ModelListing: Codable, Equatable {
    var name: String
    var summary: String
    var paper: String
    var presets: [String]
    var defaultPreset: String
}

extension Zoo {
    /// `zoo list [--json]`.
    public struct List: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List the registered models, their presets (* marks the default) and papers.")

        @Flag(help: "Print the list as JSON on stdout.")
        public var json = false

        public init() {}

        public func run() throws { try execute(.standardOutput()) }

        /// Writes the listing to `out`.
        public func execute(_ out: ResultSink, registry: ModelRegistry = defaultRegistry) throws {
            let listings = registry.all.map {
                ModelListing(name: $0.name, summary: $0.summary, paper: $0.paper, presets: $0.presetNames,
                             defaultPreset: $0.defaultPreset)
            }
            if json {
                out.line(try jsonText(listings))
                return
            }
            var table = TextTable(["model", "presets", "summary"])
            for m in listings {
                let presets = m.presets.map { $0 == m.defaultPreset ? $0 + "*" : $0 }.joined(separator: ", ")
                table.add([m.name, presets, m.summary])
            }
            out.line(table.text())
            out.line("")
            for m in listings { out.line("\(m.name): \(m.paper)") }
        }
    }
}
