// The protocol's pieces for GANs and growing models, through the trainer: per-group learning rates and
// betas, the EMA over the groups that ask for it, a stage change with fresh optimizers, the stage in the
// checkpoint, and model options.
import Baselines
import Foundation
import Testing
import ZooCore

@Suite struct ProtocolTests {
    @Test func trainerKeepsTheEMAOfTheGeneratorOnlyAndResetsOptimizersAtAStageChange() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var rng = RandomGenerator(seed: 1)
        let model = GrowingGAN(config: GrowingGANConfig(), rng: &rng)
        let groups = model.makeOptimizers(learningRate: 1e-3)
        #expect(groups.optimizer("generator").learningRate == 1e-3 && groups.optimizer("discriminator").learningRate == 4e-3)
        #expect(groups.emaParameters.map(\.0) == ["generator.weight", "generator.bias"])

        let data = testSequences(model.contract, count: 4, frames: 5, seed: 2)
        let reporter = CollectingReporter()
        let settings = shortSettings(model, steps: 3, checkpointEvery: 3)
        _ = try Trainer(model: model, preset: "tiny", settings: settings, train: data,
                        run: RunDirectory(path: folder.file("run")), reporter: reporter).run()
        #expect(model.stage == 1 && model.refine != nil)
        let stored = try Checkpoint.read(from: folder.file("run/last.h5"))
        #expect(stored.stage == 1)
        // The EMA covers the generator, including the layer the stage added, and never the discriminator.
        #expect(Set(stored.ema.keys) == ["generator.weight", "generator.bias", "refine.weight", "refine.bias"])
        // The optimizers were made anew at step 2: one update since, for both groups.
        #expect(stored.optimizers["generator"]?.stepCount == 1 && stored.optimizers["discriminator"]?.stepCount == 1)
        #expect(stored.optimizers["discriminator"]?.learningRate == 4 * settings.learningRate)
        #expect(reporter.messages.contains { $0.contains("stage 1 from step 2") }, "\(reporter.messages)")

        // Loading the checkpoint into a fresh (stage 0) model enters stage 1 first.
        let loaded = try registryUnderTest.model(from: stored, file: folder.file("run/last.h5"), useEMA: false)
        #expect(loaded.stage == 1)
        for ((n, p), (_, q)) in zip(model.namedParameters(), loaded.namedParameters()) {
            #expect(identical(p.value, q.value), "\(n)")
        }
        #expect(identical((loaded as! GrowingGAN).alpha.value, model.alpha.value))
    }

    @Test func aStageTheModelDoesNotHaveIsANamedCheckpointError() throws {
        var rng = RandomGenerator(seed: 1)
        let model = GrowingGAN(config: GrowingGANConfig(), rng: &rng)
        var checkpoint = try Checkpoint.capture(model, preset: "tiny")
        checkpoint.stage = 5
        #expect(throws: CheckpointError.self) { try checkpoint.load(into: model, file: "x.h5") }
        do { try checkpoint.load(into: model, file: "x.h5") } catch {
            #expect("\(error)".contains("x.h5") && "\(error)".contains("stage 5"), "\(error)")
        }
        // A one-stage model refuses any other stage.
        let copyLast = CopyLast(config: CopyLastConfig(contract: model.contract))
        #expect(throws: PredictorError.self) { try copyLast.enterStage(1) }
    }

    @Test func optionsAreSetByNameAndBadOnesAreNamed() throws {
        let copyLast = CopyLast(config: CopyLastConfig(contract: GrowingGANConfig().contract))
        #expect(copyLast.options.isEmpty)
        do { try copyLast.setOptions(["sampler=ddpm"]); Issue.record("copy-last accepted an option") } catch {
            #expect("\(error)".contains("no option 'sampler'"), "\(error)")
        }
        do { try copyLast.setOptions(["novalue"]); Issue.record("accepted an assignment without =") } catch {
            #expect("\(error)".contains("NAME=VALUE"), "\(error)")
        }
    }
}
