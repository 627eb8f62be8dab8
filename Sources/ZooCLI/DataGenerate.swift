// `zoo data generate flow|shapes`: makes an embedded dataset and writes it as a prepared clip store.
import ArgumentParser
import Foundation
import ZooCore

/// The embedded datasets `zoo data generate` makes.
public enum GeneratedDataset: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Lattice-Boltzmann flow past obstacles, grayscale vorticity.
    case flow
    /// Stochastic moving shapes.
    case shapes
}

/// `zoo data generate`: writes the `flow` or `shapes` dataset as a clip store.
public struct DataGenerate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Make an embedded dataset (flow or shapes) and write it as a prepared clip store.",
        discussion: """
            flow: lattice-Boltzmann simulations of flow past random obstacles (vortex shedding), rendered \
            as grayscale vorticity. Defaults: 40 training sequences of 32 frames (one simulation each) and \
            32 test clips of 20 frames (two per simulation). --size 32 and 64 show the same simulations.
            shapes: 1-2 sprites that bounce off the walls and turn at random times.
            Without --out the store goes to the cache, $ZOO_DATA_DIR (else $XDG_CACHE_HOME/zoo/data, \
            else ~/.cache/zoo/data), as flow-<size>.h5 or shapes-<size>-c<channels>.h5; that is where \
            training finds the default flow data.
            """)

    @Argument(help: "Which dataset: flow or shapes.")
    public var dataset: GeneratedDataset

    @Option(help: "Frame size in pixels (flow: 16, 32, 64 or a multiple of 64; shapes: 16 or more).")
    public var size: Int = 64

    @Option(help: "Where to write the store (default: the cache; see below).")
    public var out: String?

    @Option(help: "Seed of the whole dataset (train and test use different streams).")
    public var seed: UInt64 = 0

    @Option(help: "Training sequences (flow default 40, shapes default 500).")
    public var train: Int?

    @Option(help: "Test clips (flow: even, two per simulation; default 32; shapes default 256).")
    public var test: Int?

    @Option(help: "Frames per training sequence (flow default 32, shapes default 30).")
    public var frames: Int?

    @Option(help: "Frames per test clip (default 20: 4 context + 16 predicted).")
    public var testFrames: Int = 20

    @Option(help: "shapes only: 1 (gray) or 3 (a colour per sprite).")
    public var channels: Int = 1

    @Option(help: "Also write a PNG contact sheet (8 test clips, every frame, 2x) to this path.")
    public var preview: String?

    @Flag(help: "Replace an existing store.")
    public var force = false

    @Flag(help: "No progress on stderr.")
    public var quiet = false

    public init() {}

    public mutating func validate() throws {
        switch dataset {
        case .flow:
            guard [16, 32, 64].contains(size) || (size > 64 && size % 64 == 0) else {
                throw ValidationError("flow frames are 16, 32, 64 or a multiple of 64 pixels, got --size \(size)")
            }
            guard (test ?? 32) > 0 && (test ?? 32) % 2 == 0 else {
                throw ValidationError("flow makes two test clips per simulation: --test must be even and positive")
            }
            guard channels == 1 else { throw ValidationError("flow frames are grayscale (--channels 1)") }
        case .shapes:
            guard size >= 16 else { throw ValidationError("shapes frames need --size 16 or more, got \(size)") }
            guard [1, 3].contains(channels) else { throw ValidationError("--channels must be 1 or 3, got \(channels)") }
        }
        guard (train ?? 1) > 0, (frames ?? 2) >= 2, testFrames >= 2 else {
            throw ValidationError("--train must be positive, --frames and --test-frames at least 2")
        }
    }

    /// The store path: `--out`, else the cache file for this dataset and size.
    public var outputPath: String {
        if let out { return out }
        switch dataset {
        case .flow: return FlowDataset.defaultStorePath(size: size)
        case .shapes: return EmbeddedDataCache.path("shapes-\(size)-c\(channels).h5")
        }
    }

    public func run() throws {
        let path = outputPath
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let start = Date()
        let reporter = GenerationReporter(enabled: !quiet)
        switch dataset {
        case .flow:
            let trainPlan = FlowDataset.SplitPlan(simulationCount: train ?? 40, framesPerSimulation: frames ?? 32,
                                                  sequenceLength: frames ?? 32, seed: seed &* 2 &+ 1)
            let clips = test ?? 32
            let testPlan = FlowDataset.SplitPlan(simulationCount: clips / 2, framesPerSimulation: 2 * testFrames,
                                                 sequenceLength: testFrames, seed: seed &* 2 &+ 2)
            try FlowDataset.writeStore(path: path, size: size, train: trainPlan, test: testPlan, overwrite: force,
                                       progress: reporter.report)
        case .shapes:
            var settings = MovingShapes.Settings()
            settings.size = size
            settings.channels = channels
            try MovingShapes.writeStore(path: path, settings: settings, trainCount: train ?? 500,
                                        trainFrames: frames ?? 30, testCount: test ?? 256, testFrames: testFrames,
                                        seed: seed, overwrite: force, progress: reporter.report)
        }
        reporter.finish()
        let store = try ClipStore(path: path)
        let counts = store.splitNames.map { "\($0) \(store.splits[$0]!.sequenceCount) sequences" }
        print("wrote \(path): \(counts.joined(separator: ", ")), \(size)x\(size)x\(store.metadata.channels), "
              + String(format: "%.1f s", Date().timeIntervalSince(start)))
        if let preview {
            let split = try store.split("test")
            // Flow test clips come in pairs from one simulation: show one clip of each of 8 simulations.
            let stride = dataset == .flow ? 2 : 1
            let rows = Array(Swift.stride(from: 0, to: split.sequenceCount, by: stride).prefix(8))
            let columns = Array(0..<testFrames)
            try VideoContactSheet.make(source: split, sequences: rows, frames: columns, scale: 2).write(to: preview)
            print("wrote \(preview): test clips \(rows.map(String.init).joined(separator: ", ")) x \(columns.count) frames")
        }
    }
}

/// Progress lines for `zoo data generate` on stderr: a redrawn line on a terminal, else one line per split.
final class GenerationReporter: @unchecked Sendable {
    private let enabled: Bool
    private let terminal = isatty(2) != 0
    private var lastDraw = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func report(_ progress: GenerationProgress) {
        guard enabled else { return }
        let line = "\(progress.split) \(progress.finished)/\(progress.total)"
        if terminal {
            let now = Date()
            guard progress.finished == progress.total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            FileHandle.standardError.write(Data(("\r" + line + "   ").utf8))
        } else if progress.finished == progress.total || (4 * progress.finished) % progress.total < 4 {
            note(line)   // about every quarter
        }
    }

    func finish() {
        if enabled && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
