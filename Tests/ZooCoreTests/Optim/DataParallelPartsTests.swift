// The parts of data-parallel training that need no MPI: batch-sharded random draws (every rank's rows,
// concatenated, are the single-process draw, and every rank's generator ends where the single one does),
// the batcher's shard of a global batch, and the gradient buckets.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Suite struct DataParallelParts {
    /// Init.batchNormal and perRow under a shard: ranks' rows concatenated equal the unsharded draw of the
    /// global batch, along axis 0 and along another batch axis, with the generator (spare normal included)
    /// left in the state of the unsharded run, so later draws agree too.
    @Test func shardedDrawsConcatenateToTheSingleProcessDraw() {
        for count in [1, 2, 3] {
            var single = RandomGenerator(seed: 11)
            _ = single.normal()  // leaves a spare normal: the shards must consume it alike
            var ranks = [RandomGenerator](repeating: single, count: count)
            let globalRows = 2 * count
            let whole = Init.normal([globalRows, 3, 5], rng: &single)
            let steps = single.perRow(globalRows) { $0.int(below: 1000) }
            let axis1 = Init.batchNormal([4, globalRows, 3], batchAxis: 1, rng: &single)
            let after = single.normal()
            var parts: [Tensor] = [], stepParts: [Int] = [], axisParts: [Tensor] = [], afters: [Float] = []
            for r in 0..<count {
                ranks[r].batchShard = BatchShard(rank: r, count: count)
                parts.append(Init.batchNormal([2, 3, 5], rng: &ranks[r]))
                stepParts += ranks[r].perRow(2) { $0.int(below: 1000) }
                axisParts.append(Init.batchNormal([4, 2, 3], batchAxis: 1, rng: &ranks[r]))
                afters.append(ranks[r].normal())
                #expect(ranks[r] == single, "rank \(r) of \(count): the generator must end where one process's does")
            }
            #expect(concat(parts, axis: 0).scalars == whole.scalars)
            #expect(stepParts == steps)
            #expect(concat(axisParts, axis: 1).scalars == axis1.scalars)
            #expect(afters.allSatisfy { $0 == after })
        }
        // Without a shard, batchNormal is normal.
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
        #expect(Init.batchNormal([3, 4], rng: &a).scalars == Init.normal([3, 4], rng: &b).scalars)
    }

    /// A sharded batcher reads its rows of the batch an unsharded one makes, and refuses a batch size the
    /// rank count does not divide.
    @Test func shardedBatcherTakesItsRowsOfTheGlobalBatch() throws {
        let source = MovingShapes.generate(count: 4, frameCount: 8, seed: 2)
        let whole = try Batcher(source: source, batchSize: 4, clipLength: 3, order: .random(seed: 9), prefetch: 0)
        for index in 0..<3 {
            let global = try whole.batch(at: index).frames
            var parts: [Tensor] = []
            for r in 0..<2 {
                let shard = try Batcher(source: source, batchSize: 4, clipLength: 3, order: .random(seed: 9),
                                        prefetch: 0, shard: BatchShard(rank: r, count: 2))
                parts.append(try shard.batch(at: index).frames)
                #expect(parts[r].shape[0] == 2)
            }
            #expect(concat(parts, axis: 0).scalars == global.scalars)
        }
        #expect(throws: BatcherError.self) {
            _ = try Batcher(source: source, batchSize: 3, clipLength: 3, order: .random(seed: 9), prefetch: 0,
                            shard: BatchShard(rank: 0, count: 2))
        }
    }

    /// Buckets: gradients packed in order into buckets of at most `capacity` elements (a larger gradient
    /// alone), nil gradients skipped; unpacking gives the same values (divided) and shapes.
    @Test func gradientBucketsPackAndUnpack() {
        var rng = RandomGenerator(seed: 3)
        let gradients: [Tensor?] = [Init.normal([2, 3], rng: &rng), nil, Init.normal([10], rng: &rng),
                                    Init.normal([4], rng: &rng), nil, Init.normal([1, 1], rng: &rng)]
        let plan = GradientBuckets(counts: gradients.map { $0?.count }, capacity: 8)
        #expect(plan.bucketSizes == [6, 10, 5])
        #expect(plan.slots.map(\.index) == [0, 2, 3, 5])
        #expect(plan.slots.map(\.bucket) == [0, 1, 2, 2])
        #expect(plan.slots.map(\.offset) == [0, 0, 0, 4])
        let buckets = plan.pack(gradients)
        #expect(buckets.map(\.count) == [6, 10, 5])
        #expect(buckets[2] == gradients[3]!.scalars + gradients[5]!.scalars)
        // Two "ranks" summed, then divided by two: the average.
        let other: [Tensor?] = gradients.map { $0.map { $0 * 3 } }
        let summed = zip(buckets, plan.pack(other)).map { zip($0, $1).map { $0 + $1 } }
        let averaged = plan.unpack(summed, like: gradients, divisor: 2)
        for (g, a) in zip(gradients, averaged) {
            #expect((g == nil) == (a == nil))
            guard let g, let a else { continue }
            #expect(a.shape == g.shape)
            #expect(zip(a.scalars, g.scalars).allSatisfy { abs($0 - 2 * $1) <= 1e-6 * abs($1) + 1e-7 })
        }
        // One bucket when everything fits.
        #expect(GradientBuckets(counts: [3, nil, 4], capacity: 100).bucketSizes == [7])
    }

    /// The thread count a rank gets when ZOO_THREADS is unset: the host's processors over its ranks.
    @Test func ranksShareTheHostsProcessors() {
        #expect(DataParallel.defaultThreads(processors: 16, localRanks: 4) == 4)
        #expect(DataParallel.defaultThreads(processors: 2, localRanks: 2) == 1)
        #expect(DataParallel.defaultThreads(processors: 2, localRanks: 3) == 1)
        #expect(DataParallel.localRankCount(["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) == 2)
        #expect(DataParallel.localRankCount([:]) == nil)
    }
}
