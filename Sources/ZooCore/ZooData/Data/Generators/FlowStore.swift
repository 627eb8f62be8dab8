// The `flow` dataset as a prepared clip store: written once (atomically), then read from the cache.

import Foundation
import ZooTensor

/// Where the embedded datasets are cached.
///
/// `$ZOO_DATA_DIR` when set, else `$XDG_CACHE_HOME/zoo/data`, else `~/.cache/zoo/data`.
public enum EmbeddedDataCache {
    /// The cache folder (not created by this call).
    public static var directory: String { directory(environment: ProcessInfo.processInfo.environment) }

    /// The cache folder for these environment variables.
    public static func directory(environment: [String: String]) -> String {
        if let dir = environment["ZOO_DATA_DIR"], !dir.isEmpty { return dir }
        if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/zoo/data" }
        return homeDirectory(environment: environment) + "/.cache/zoo/data"
    }

    /// The cached store of a dataset, e.g. `flow-64.h5`.
    public static func path(_ fileName: String) -> String { directory + "/" + fileName }
}

/// Progress of a generator: `finished` of `total` units of the named split.
public struct GenerationProgress: Sendable, Equatable {
    /// The split being made ("train", "test").
    public var split: String
    /// Simulations (or sequences) finished in that split.
    public var finished: Int
    /// Simulations (or sequences) the split needs.
    public var total: Int

    /// Creates a progress report.
    public init(split: String, finished: Int, total: Int) {
        self.split = split
        self.finished = finished
        self.total = total
    }
}

extension FlowDataset {
    /// Bumped whenever the solver, the scenarios or the rendering change what a seed produces; cached
    /// stores with another version are regenerated.
    public static let generatorVersion = 2

    /// The cached default store for frames of `size` pixels: `EmbeddedDataCache.path("flow-<size>.h5")`.
    public static func defaultStorePath(size: Int) -> String { EmbeddedDataCache.path("flow-\(size).h5") }

    /// The default `flow` store (seed 0, the default train and test plans), generated and cached on first
    /// use; later calls open the cached file. A cached file that is damaged or was made by another
    /// generator version is replaced.
    /// - Parameter progress: called while generating (from a worker thread, never concurrently).
    /// - Throws: `ClipStoreError` when the store cannot be written or read.
    public static func defaultStore(size: Int = 64, progress: ((GenerationProgress) -> Void)? = nil) throws
        -> ClipStore {
        let path = defaultStorePath(size: size)
        let train = defaultTrainPlan(), test = defaultTestPlan()
        if let store = try? ClipStore(path: path), isCurrent(store, size: size, train: train, test: test) {
            return store
        }
        try FileManager.default.createDirectory(atPath: EmbeddedDataCache.directory, withIntermediateDirectories: true)
        try writeStore(path: path, size: size, train: train, test: test, overwrite: true, progress: progress)
        return try ClipStore(path: path)
    }

    /// Generates the train and test splits and writes them as a clip store at `path` (through a temporary
    /// file, so an interrupted run never leaves a store that looks complete).
    /// - Parameters:
    ///   - overwrite: replace an existing store (otherwise an existing file is an error).
    ///   - progress: called after each simulation (from a worker thread, never concurrently).
    public static func writeStore(path: String, size: Int, train: SplitPlan, test: SplitPlan,
                                  overwrite: Bool = false,
                                  progress: ((GenerationProgress) -> Void)? = nil) throws {
        let metadata = ClipStoreMetadata(
            source: "flow generator v\(generatorVersion): \(describe(train)) train, \(describe(test)) test",
            sourceFormat: "flow", height: size, width: size, channels: 1,
            clipLength: min(train.sequenceLength, test.sequenceLength), evalSplit: "test",
            splitRule: "generated", resize: "none", extra: attributes(size: size, train: train, test: test))
        let writer = try ClipStoreWriter(path: path, metadata: metadata, gzipLevel: 4, overwrite: overwrite)
        for (name, plan) in [("train", train), ("test", test)] {
            let set = generate(plan, size: size) { progress?(GenerationProgress(split: name, finished: $0, total: $1)) }
            try writer.append(set, split: name, namePrefix: "flow-\(name)-")
        }
        try writer.finish()
    }

    /// Whether an opened store was made by this generator with these settings.
    public static func isCurrent(_ store: ClipStore, size: Int, train: SplitPlan, test: SplitPlan) -> Bool {
        let expected = attributes(size: size, train: train, test: test)
        return store.metadata.sourceFormat == "flow" && store.metadata.height == size
            && expected.allSatisfy { store.metadata.extra[$0.key] == $0.value }
            && store.splits["train"]?.sequenceCount == train.sequenceCount
            && store.splits["test"]?.sequenceCount == test.sequenceCount
    }

    private static func describe(_ plan: SplitPlan) -> String {
        "\(plan.simulationCount) simulations x \(plan.framesPerSimulation) frames in \(plan.sequenceLength)-frame "
            + "sequences, seed \(plan.seed)"
    }

    /// The generator settings recorded in the store's root attributes.
    private static func attributes(size: Int, train: SplitPlan, test: SplitPlan) -> [String: HDF5AttributeValue] {
        [
            "generatorVersion": .int(generatorVersion),
            "trainPlan": .ints([train.simulationCount, train.framesPerSimulation, train.sequenceLength]),
            "trainSeed": .string(String(train.seed)),
            "testPlan": .ints([test.simulationCount, test.framesPerSimulation, test.sequenceLength]),
            "testSeed": .string(String(test.seed)),
            "vorticityScale": .double(Double(vorticityScale)),
        ]
    }
}
