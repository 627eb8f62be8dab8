// The `zoo` command line: argument parsing only; the work lives in ZooCore and the models.
import ArgumentParser
import Foundation
import ZooCore

/// The root command.
public struct Zoo: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Stochastic video prediction: Residual Video Diffusion and baselines, on the CPU.",
        subcommands: [List.self, Info.self, Train.self, Eval.self, Sample.self, Compare.self, DataCommand.self, Metrics.self, Weights.self, Doctor.self, Bench.self])
    public init() {}
}

/// A runtime failure with a message for people (argument mistakes use `ValidationError` instead).
public struct ZooError: Error, CustomStringConvertible {
    /// What went wrong and, where possible, what to do about it.
    public var description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

/// Writes progress and warnings to stderr (results go to stdout).
package func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
