// The `zoo` command line: argument parsing only; the work lives in ZooCore and the models.
import ArgumentParser
import ZooCore

/// The root command.
public struct Zoo: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Stochastic video prediction: Residual Video Diffusion and baselines, on the CPU.",
        subcommands: [])
    public init() {}
}
