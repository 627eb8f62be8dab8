// `zoo info MODEL [--preset P]`: the contract, parameter counts per top-level component, training
// defaults and the config of one preset.
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

/// What `zoo info --json` prints.
struct ModelInfo: Codable, Equatable {
    struct Component: Codable, Equatable {
        var name: String
        var parameters: Int
    }
    struct Option: Codable, Equatable {
        var name: String
        var value: String
        var values: String
        var summary: String
    }
    struct OptimizerInfo: Codable, Equatable {
        var group: String
        var learningRate: Double
        var parameters: Int
        var ema: Bool
    }
    var model: String
    var preset: String
    var summary: String
    var paper: String
    var contract: ClipContract
    var stochastic: Bool
    var parameters: Int
    var components: [Component]
    /// Options `--set NAME=VALUE` accepts, with their current values.
    var options: [Option]
    /// Optimizer groups: name, learning rate at the training defaults' base rate, EMA or not.
    var optimizers: [OptimizerInfo]
    var training: TrainingDefaults
    var config: String

    /// Builds the info of `entry` at `preset` (weights drawn with seed 0; only shapes matter).
    static func gather(_ entry: ModelEntry, preset: String) throws -> ModelInfo {
        var rng = RandomGenerator(seed: 0)
        let model = try entry.make(preset, &rng)
        var components: [Component] = []
        for (name, p) in model.namedParameters() {
            let top = String(name.split(separator: ".").first ?? Substring(name))
            if let i = components.firstIndex(where: { $0.name == top }) {
                components[i].parameters += p.count
            } else {
                components.append(Component(name: top, parameters: p.count))
            }
        }
        return ModelInfo(model: entry.name, preset: preset, summary: entry.summary, paper: entry.paper,
                         contract: model.contract, stochastic: model.isStochastic, parameters: model.parameterCount,
                         components: components,
                         options: model.options.map { Option(name: $0.name, value: $0.current, values: $0.valueName, summary: $0.summary) },
                         optimizers: model.makeOptimizers(learningRate: model.trainingDefaults.learningRate).members.map {
                             OptimizerInfo(group: $0.0, learningRate: $0.1.optimizer.learningRate,
                                           parameters: $0.1.parameters.reduce(0) { $0 + $1.1.count }, ema: $0.1.ema)
                         },
                         training: model.trainingDefaults,
                         config: String(decoding: try model.configJSON(), as: UTF8.self))
    }
}

extension Zoo {
    /// `zoo info MODEL [--preset P] [--json]`.
    public struct Info: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Show a model's data contract, parameter counts per component, training defaults and config.")

        @Argument(help: "The model (see `zoo list`).", completion: .list(defaultRegistry.names))
        public var model: String

        @Option(help: "The preset (default: the model's default preset).")
        public var preset: String?

        @Flag(help: "Print the info as JSON on stdout.")
        public var json = false

        public init() {}

        public func validate() throws { _ = try checkModel(model, preset: preset) }

        public func run() throws { try execute(.standardOutput()) }

        /// Writes the info to `out`.
        public func execute(_ out: ResultSink) throws {
            let entry = try checkModel(model, preset: preset)
            let info = try ModelInfo.gather(entry, preset: preset ?? entry.defaultPreset)
            if json {
                out.line(try jsonText(info))
                return
            }
            let t = info.training
            let ema = t.emaDecay.map { "EMA \($0) every \(t.emaEvery) from step \(t.emaStart)" } ?? "no EMA"
            var table = TextTable(["", ""])
            table.add(["model", "\(info.model) (preset \(info.preset))"])
            table.add(["summary", info.summary])
            table.add(["paper", info.paper])
            table.add(["contract", info.contract.description])
            table.add(["stochastic", info.stochastic ? "yes" : "no"])
            table.add(["training", "\(t.steps) steps, batch \(t.batchSize) of \(t.clipLength)-frame clips, "
                       + "lr \(t.learningRate), \(ema)"])
            table.add(["parameters", grouped(info.parameters)])
            out.line(table.text())
            if !info.components.isEmpty {
                var parts = TextTable(["component", "parameters"], rightAligned: [1])
                for c in info.components { parts.add([c.name, grouped(c.parameters)]) }
                out.line("")
                out.line(parts.text())
            }
            if info.optimizers.count > 1 {
                var groups = TextTable(["optimizer group", "lr", "parameters", "EMA"], rightAligned: [1, 2])
                for g in info.optimizers { groups.add([g.group, "\(g.learningRate)", grouped(g.parameters), g.ema ? "yes" : "no"]) }
                out.line("")
                out.line(groups.text())
            }
            if !info.options.isEmpty {
                var options = TextTable(["option (--set NAME=VALUE)", "value", "values"])
                for o in info.options { options.add([o.name, o.value, o.values + ": " + o.summary]) }
                out.line("")
                out.line(options.text())
            }
            out.line("")
            out.line("config \(info.config)")
        }
    }
}
