// Choosing the data for a model: the embedded `flow` and `shapes` sets (generated and cached on first
// use) or a prepared clip store, checked against the model's clip contract.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Where clips come from: `flow`, `shapes`, or the path of a prepared clip store (.h5).
public enum DataSpec: Equatable, Sendable, CustomStringConvertible {
    /// The embedded lattice-Boltzmann flow set (the default).
    case flow
    /// The embedded stochastic moving shapes.
    case shapes
    /// A prepared clip store (`zoo data import` / `zoo data generate --out`).
    case store(String)

    /// Parses a `--data` value: "flow", "shapes", or a path.
    public init(_ argument: String) {
        switch argument {
        case "flow": self = .flow
        case "shapes": self = .shapes
        default: self = .store(argument)
        }
    }

    public var description: String {
        switch self {
        case .flow: return "flow"
        case .shapes: return "shapes"
        case .store(let path): return path
        }
    }
}

/// Training and test sequences that fit a model's contract.
public struct PreparedData {
    /// What `--data` said.
    public let spec: DataSpec
    /// The store the clips come from.
    public let storePath: String
    /// Training sequences.
    public let train: any VideoSequenceSource
    /// Test sequences (the store's evaluation split).
    public let test: any VideoSequenceSource
    /// Where fixed test clips start in each test sequence.
    public let testStartFrame: Int
    /// Block averaging applied to reach the model's frame size (1: none).
    public let pixelReduction: Int

    /// Opens (generating and caching the embedded sets on first use) the data for `contract`.
    ///
    /// - Parameters:
    ///   - trainClipLength: frames per training clip (every training sequence must hold one).
    ///   - note: called with a line for the user before a slow generation starts.
    /// - Throws: `PredictorError.contractMismatch` naming the store when its frames, channels or
    ///   sequence lengths do not fit; `ClipStoreError` when it cannot be read.
    public static func prepare(_ spec: DataSpec, contract: ContractRequirement,
                               note: ((String) -> Void)? = nil) throws -> PreparedData {
        let store: ClipStore
        switch spec {
        case .flow:
            let size = try flowSize(for: contract)
            let path = FlowDataset.defaultStorePath(size: size)
            if !HDF5File.isHDF5(path: path) {
                note?("generating the flow data set (\(size)x\(size), first use; cached as \(path))")
            }
            store = try FlowDataset.defaultStore(size: size)
        case .shapes:
            store = try shapesStore(for: contract, note: note)
        case .store(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw ClipStoreError(file: path, message: "no such clip store (--data takes flow, shapes or the path of a store "
                                     + "made by `zoo data import` or `zoo data generate`)")
            }
            store = try ClipStore(path: path)
        }
        return try fit(store, spec: spec, contract: contract)
    }

    /// Checks a store against the contract and picks its splits.
    public static func fit(_ store: ClipStore, spec: DataSpec, contract c: ContractRequirement) throws -> PreparedData {
        let m = store.metadata
        let fail = { (text: String) in PredictorError.contractMismatch("\(store.path): \(text)") }
        guard m.channels == c.channels else {
            throw fail("frames have \(m.channels) channel(s); the model expects \(c.channels)")
        }
        guard m.height % c.height == 0, m.width % c.width == 0, m.height / c.height == m.width / c.width else {
            throw fail("frames are \(m.height)x\(m.width); the model expects \(c.height)x\(c.width) "
                       + "(or a whole multiple of it, which is block-averaged)")
        }
        let trainSplit = store.splits["train"] != nil ? "train" : m.evalSplit
        let train = try store.source(split: trainSplit)
        let testIndex = try store.index(split: m.evalSplit)
        let longestTrain = (0..<train.sequenceCount).map(train.frameCount(ofSequence:)).max() ?? 0
        guard longestTrain >= c.trainClipLength else {
            throw fail("training sequences have at most \(longestTrain) frames; the model trains on "
                       + "\(c.trainClipLength)-frame clips")
        }
        guard (testIndex.lengths.max() ?? 0) >= c.evalClipLength else {
            throw fail("test sequences have at most \(testIndex.lengths.max() ?? 0) frames; evaluation needs "
                       + "\(c.evalClipLength) (\(c.contextFrames) context + \(c.evalClipLength - c.contextFrames) predicted)")
        }
        return PreparedData(spec: spec, storePath: store.path, train: train, test: try store.source(split: m.evalSplit),
                            testStartFrame: testIndex.evalStartFrame, pixelReduction: m.height / c.height)
    }

    /// The flow frame size to generate for a contract: its own size when the generator makes it,
    /// else 64 (block-averaged down).
    static func flowSize(for c: ContractRequirement) throws -> Int {
        guard c.channels == 1 else {
            throw PredictorError.contractMismatch("--data flow: flow frames are grayscale; the model expects "
                                                  + "\(c.channels) channels (use --data shapes or a store)")
        }
        guard c.height == c.width else {
            throw PredictorError.contractMismatch("--data flow: flow frames are square; the model expects \(c.height)x\(c.width)")
        }
        if [16, 32, 64].contains(c.height) || c.height % 64 == 0 { return c.height }
        if 64 % c.height == 0 { return 64 }
        throw PredictorError.contractMismatch("--data flow: cannot make \(c.height)x\(c.height) flow frames "
                                              + "(16, 32, 64, multiples of 64, or divisors of 64)")
    }

    /// The cached `shapes` store for a contract, generated when missing.
    static func shapesStore(for c: ContractRequirement, note: ((String) -> Void)?) throws -> ClipStore {
        guard c.height == c.width, c.height >= 16 else {
            throw PredictorError.contractMismatch("--data shapes: shapes frames are square and at least 16 pixels; "
                                                  + "the model expects \(c.height)x\(c.width)")
        }
        guard [1, 3].contains(c.channels) else {
            throw PredictorError.contractMismatch("--data shapes: 1 or 3 channels, the model expects \(c.channels)")
        }
        let trainFrames = Swift.max(30, c.trainClipLength), testFrames = Swift.max(20, c.evalClipLength)
        var name = "shapes-\(c.height)-c\(c.channels)"
        if trainFrames != 30 || testFrames != 20 { name += "-t\(trainFrames)-\(testFrames)" }
        let path = EmbeddedDataCache.path(name + ".h5")
        if let store = try? ClipStore(path: path), store.metadata.sourceFormat == "shapes" { return store }
        note?("generating the shapes data set (\(c.height)x\(c.height), first use; cached as \(path))")
        try FileManager.default.createDirectory(atPath: EmbeddedDataCache.directory, withIntermediateDirectories: true)
        var settings = MovingShapes.Settings()
        settings.size = c.height
        settings.channels = c.channels
        try MovingShapes.writeStore(path: path, settings: settings, trainCount: 500, trainFrames: trainFrames,
                                    testCount: 256, testFrames: testFrames, seed: 0, overwrite: true)
        return try ClipStore(path: path)
    }
}

/// What data must provide for a model: its clip contract plus the training clip length.
public struct ContractRequirement: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var contextFrames: Int
    /// Frames of an evaluation clip (context + predicted).
    public var evalClipLength: Int
    /// Frames of a training clip.
    public var trainClipLength: Int

    /// The requirement of `contract` with training clips of `trainClipLength` frames.
    public init(_ contract: ClipContract, trainClipLength: Int) {
        channels = contract.channels
        height = contract.height
        width = contract.width
        contextFrames = contract.contextFrames
        evalClipLength = contract.clipLength
        self.trainClipLength = trainClipLength
    }
}
