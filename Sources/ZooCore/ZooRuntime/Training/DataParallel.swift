// Data-parallel training over MPI (docs/distributed.md): every process (rank) holds the whole model,
// trains on its rows of each global batch, and averages gradients with MPI_Allreduce before every
// optimizer group's update, so all ranks step identical optimizers on identical weights.
//
// MPI is Open MPI opened at run time (CSupport/zoo_mpi.c); without it zoo runs single-process.

import CSupport
import Foundation
import ZooTensor
import ZooNN

/// A failure of an MPI call or of the ranks' agreement.
public struct DistributedError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// This process's place in an MPI job, and the collective operations training needs.
public final class DataParallel: GradientReducer {
    /// This process's rank, 0..<size.
    public let rank: Int
    /// The number of ranks.
    public let size: Int
    /// Gradient elements per allreduce call (25 MiB of Float32, like PyTorch DDP's default bucket).
    public var bucketCapacity = 25 << 18
    /// Bytes sent through allreduce so far (each rank's buffer size, summed over calls).
    public private(set) var reducedBytes = 0
    /// Allreduce calls made for gradients so far.
    public private(set) var reduceCalls = 0
    /// Seconds spent in gradient allreduce so far.
    public private(set) var reduceSeconds = 0.0
    private var plans: [String: GradientBuckets] = [:]

    /// Whether Open MPI can be loaded on this machine.
    public static var isAvailable: Bool { zoo_mpi_available() != 0 }
    /// "Open MPI v4.1.4 (path)", or why MPI is not available.
    public static var status: String { String(cString: zoo_mpi_status()) }

    /// The process's rank and size under `mpirun` (MPI_Init). A process started without mpirun is rank 0
    /// of 1 (an MPI singleton).
    /// - Throws: `DistributedError` when Open MPI cannot be loaded or initialised.
    public init() throws {
        guard DataParallel.isAvailable else {
            throw DistributedError("--distributed needs Open MPI, which is \(DataParallel.status)")
        }
        var rank: Int32 = 0, size: Int32 = 0
        guard zoo_mpi_init(&rank, &size) == 0 else { throw DistributedError("MPI_Init failed") }
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Whether this is rank 0, the one that writes checkpoints, logs and progress.
    public var isRoot: Bool { rank == 0 }

    /// This rank's rows of every global batch.
    public var shard: BatchShard { BatchShard(rank: rank, count: size) }

    // MARK: - Gradients and losses

    /// Sums each bucket over the ranks and divides by the rank count (`GradientReducer`).
    public func reduce(_ gradients: [Tensor?], group: String) -> [Tensor?] {
        guard size > 1 else { return gradients }
        let counts = gradients.map { $0?.count }
        let plan: GradientBuckets
        if let cached = plans[group], cached.slots.map(\.count) == counts.compactMap({ $0 }),
           cached.slots.map(\.index) == counts.indices.filter({ counts[$0] != nil }) {
            plan = cached
        } else {
            plan = GradientBuckets(counts: counts, capacity: bucketCapacity)
            plans[group] = plan
        }
        let start = Date()
        var buckets = plan.pack(gradients)
        for i in buckets.indices {
            let status = buckets[i].withUnsafeMutableBufferPointer {
                zoo_mpi_allreduce_sum_float($0.baseAddress, $0.count)
            }
            if status != 0 { abort(DistributedError("MPI_Allreduce of \(group) gradients failed")) }
            reducedBytes += buckets[i].count * 4
            reduceCalls += 1
        }
        reduceSeconds += Date().timeIntervalSince(start)
        return plan.unpack(buckets, like: gradients, divisor: Float(size))
    }

    /// The losses averaged over the ranks (each rank's are the means over its rows, so the average is the
    /// global batch's mean). Every rank must report the same names in the same order.
    public func averageLosses(_ losses: StepLosses) throws -> StepLosses {
        guard size > 1 else { return losses }
        var values = losses.values.map(Double.init)
        // The names' count travels too, so ranks that disagree fail instead of mixing losses.
        values.append(Double(values.count))
        var maxima = values
        try allreduce(&values, maximum: false)
        try allreduce(&maxima, maximum: true)
        guard maxima.last == Double(losses.values.count), values.last == Double(losses.values.count * size) else {
            throw DistributedError("ranks report different losses (\(losses.names.joined(separator: ", ")) here)")
        }
        var out = StepLosses()
        for (i, name) in losses.names.enumerated() { out[name] = Float(values[i] / Double(size)) }
        return out
    }

    /// Whether to stop, agreed by every rank: the strongest reason any rank has (an interrupt, then the
    /// time limit), or nil when none has one. One small allreduce.
    public func agreeOnStop(_ reason: TrainingOutcome?) throws -> TrainingOutcome? {
        guard size > 1 else { return reason }
        var code = [reason == .interrupted ? 2.0 : reason == .timeLimit ? 1.0 : 0.0]
        try allreduce(&code, maximum: true)
        return code[0] == 2 ? .interrupted : code[0] == 1 ? .timeLimit : nil
    }

    private func allreduce(_ values: inout [Double], maximum: Bool) throws {
        let status = values.withUnsafeMutableBufferPointer { zoo_mpi_allreduce_double($0.baseAddress, $0.count, maximum ? 1 : 0) }
        guard status == 0 else { throw DistributedError("MPI_Allreduce failed") }
    }

    // MARK: - Weights

    /// Copies rank 0's parameters and buffers to every rank, then checks every rank holds identical
    /// values (a checksum of the bits, compared by maximum and sum over the ranks).
    /// - Throws: `DistributedError` when the ranks' models differ in shape or after the broadcast.
    public func broadcastWeights(_ model: any Module) throws {
        let tensors = model.namedParameters().map { ($0.0, $0.1.value) } + model.namedBuffers().map { ($0.0, $0.1.value) }
        // The layout first: every rank must hold the same names and shapes.
        let layout = tensors.map { "\($0.0)\($0.1.shape)" }.joined(separator: ";")
        try agree(on: Double(fnv1a(Array(layout.utf8)) >> 11), what: "the model's parameter names and shapes")
        for (name, tensor) in tensors where tensor.count > 0 {
            let copy = tensor.copy()
            guard zoo_mpi_broadcast(copy.storage.pointer, tensor.count * 4, 0) == 0 else {
                throw DistributedError("MPI_Bcast of \(name) failed")
            }
            if let p = model.namedParameters().first(where: { $0.0 == name })?.1 { p.value = copy }
            else if let b = model.namedBuffers().first(where: { $0.0 == name })?.1 { b.value = copy }
        }
        try agree(on: Double(weightChecksum(model) >> 11), what: "the weights after the broadcast")
    }

    /// A checksum of the bits of every parameter and buffer (FNV-1a over the raw Float32 values).
    public func weightChecksum(_ model: any Module) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for tensor in model.namedParameters().map(\.1.value) + model.namedBuffers().map(\.1.value) {
            let bytes = UnsafeRawBufferPointer(start: tensor.storage.pointer, count: tensor.count * 4)
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return hash
    }

    /// Throws unless `value` is the same on every rank.
    public func agree(on value: Double, what: String) throws {
        var sum = [value], maximum = [value]
        try allreduce(&sum, maximum: false)
        try allreduce(&maximum, maximum: true)
        guard maximum[0] == value, sum[0] == value * Double(size) else {
            throw DistributedError("the ranks differ in \(what)")
        }
    }

    private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    // MARK: - Evaluation

    /// The ranks as an evaluation share: batch i of an evaluation sampled on rank i % size and broadcast
    /// from it, so the sampling is split over the ranks and every rank gets the single process's result.
    public var evaluationShare: EvaluationShare {
        EvaluationShare(rank: rank, count: size) { values, root in
            guard !values.isEmpty else { return }
            let ok = values.withUnsafeMutableBytes { zoo_mpi_broadcast($0.baseAddress, $0.count, Int32(root)) }
            guard ok == 0 else { throw DistributedError("MPI_Bcast of evaluation samples from rank \(root) failed") }
        }
    }

    // MARK: - Coordination

    /// Waits until every rank gets here, sleeping meanwhile (no busy wait).
    public func barrier() throws {
        guard size > 1 else { return }
        guard zoo_mpi_quiet_barrier() == 0 else { throw DistributedError("MPI barrier failed") }
    }

    /// Prints `zoo: rank R of N: <error>` on stderr and ends every rank of the job (MPI_Abort, exit 1).
    public func abort(_ error: Error) -> Never {
        DataParallel.abort(rank: rank, size: size, error)
    }

    /// As `abort(_:)`, for callers that hold no `DataParallel`.
    public static func abort(rank: Int, size: Int, _ error: Error) -> Never {
        FileHandle.standardError.write(Data("zoo: rank \(rank) of \(size): \(error)\n".utf8))
        zoo_mpi_abort(1)
        exit(1)
    }

    /// Ends MPI (after a final barrier, so no rank leaves while another still works).
    public func finish() {
        try? barrier()
        _ = zoo_mpi_finalize()
    }

    // MARK: - The environment

    /// Ranks on this host according to mpirun's environment (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE), or nil
    /// outside mpirun.
    public static func localRankCount(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init).flatMap { $0 >= 1 ? $0 : nil }
    }

    /// The ZOO_THREADS a rank gets when the user set none: the host's processors shared among its ranks.
    public static func defaultThreads(processors: Int, localRanks: Int) -> Int { Swift.max(1, processors / localRanks) }

    /// Under mpirun with ZOO_THREADS unset, sets it to `defaultThreads` before any kernel reads it (the
    /// programs call this at start). Returns the value set, or nil.
    @discardableResult
    public static func shareThreadsAmongLocalRanks() -> Int? {
        let environment = ProcessInfo.processInfo.environment
        guard environment["ZOO_THREADS"]?.isEmpty ?? true, let local = localRankCount(environment) else { return nil }
        // All of the host's processors, not this process's affinity (mpirun may bind each rank to a core).
        let processors = Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let threads = Swift.min(defaultThreads(processors: processors, localRanks: local), Parallel.availableProcessors)
        setenv("ZOO_THREADS", String(threads), 1)
        return threads
    }
}
