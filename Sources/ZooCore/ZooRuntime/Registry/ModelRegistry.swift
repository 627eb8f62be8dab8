// The registry: model entries by name, with factories from presets and from stored configs.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// One registered model family: its name, description, presets and factories.
public struct ModelEntry: Sendable {
    /// Registry and CLI name, e.g. "rvd", "svg-lp".
    public let name: String
    /// One line for `zoo list`.
    public let summary: String
    /// The paper it implements (title, authors, venue or arXiv id).
    public let paper: String
    /// Preset names, the default first.
    public let presetNames: [String]
    /// The preset `zoo train NAME` uses when none is given.
    public let defaultPreset: String
    /// Builds a model from a preset name with freshly initialised weights.
    public let make: @Sendable (_ preset: String, _ rng: inout RandomGenerator) throws -> any VideoPredictor
    /// Rebuilds a model from the JSON config stored in a checkpoint (weights are loaded afterwards).
    public let load: @Sendable (_ configJSON: Data, _ rng: inout RandomGenerator) throws -> any VideoPredictor

    public init(name: String, summary: String, paper: String, presetNames: [String], defaultPreset: String,
                make: @escaping @Sendable (String, inout RandomGenerator) throws -> any VideoPredictor,
                load: @escaping @Sendable (Data, inout RandomGenerator) throws -> any VideoPredictor) {
        require(presetNames.contains(defaultPreset), "\(name): default preset \(defaultPreset) is not among \(presetNames)")
        self.name = name
        self.summary = summary
        self.paper = paper
        self.presetNames = presetNames
        self.defaultPreset = defaultPreset
        self.make = make
        self.load = load
    }

    /// An entry for a model built from a Codable config type with named presets.
    ///
    /// - Parameters:
    ///   - presets: preset name → config (ordered; the first is the default unless `defaultPreset` is given).
    ///   - validate: cross-field checks run before every build (throw `PredictorError.invalidConfig`).
    ///   - build: makes the model from a validated config.
    public static func create<Config: Codable & Sendable>(
        name: String, summary: String, paper: String, presets: KeyValuePairs<String, Config>,
        defaultPreset: String? = nil, validate: @escaping @Sendable (Config) throws -> Void = { _ in },
        build: @escaping @Sendable (Config, inout RandomGenerator) -> any VideoPredictor
    ) -> ModelEntry {
        let table = presets.map { ($0.key, $0.value) }
        return ModelEntry(
            name: name, summary: summary, paper: paper, presetNames: table.map(\.0),
            defaultPreset: defaultPreset ?? table[0].0,
            make: { preset, rng in
                guard let config = table.first(where: { $0.0 == preset })?.1 else {
                    throw PredictorError.unknownPreset(model: name, preset: preset, known: table.map(\.0))
                }
                try validate(config)
                return build(config, &rng)
            },
            load: { json, rng in
                let config: Config
                do { config = try JSONDecoder().decode(Config.self, from: json) } catch {
                    throw PredictorError.invalidConfig("\(name) config does not decode: \(error)")
                }
                try validate(config)
                return build(config, &rng)
            })
    }
}

/// An immutable set of model entries with unique names.
public struct ModelRegistry: Sendable {
    private let entries: [String: ModelEntry]

    /// Builds the registry; traps on a duplicate name (a programming error caught by every test run).
    public init(_ list: [ModelEntry]) {
        var table: [String: ModelEntry] = [:]
        for entry in list {
            require(table[entry.name] == nil, "model '\(entry.name)' is registered twice")
            table[entry.name] = entry
        }
        entries = table
    }

    /// Registered names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// All entries, sorted by name.
    public var all: [ModelEntry] { names.map { entries[$0]! } }

    /// The entry called `name`, or an error listing the choices and the closest match.
    public func entry(named name: String) throws -> ModelEntry {
        if let e = entries[name] { return e }
        throw PredictorError.unknownModel(name: name, known: names, suggestion: closestMatch(to: name, in: names))
    }
}

/// The candidate with the smallest edit distance to `word`, if it is close enough to be a likely typo.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= Swift.max(2, best.0.count / 3) ? best.0 : nil
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
