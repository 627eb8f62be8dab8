// `zoo bench --model retrogan|dvd-gan|futuregan`: one training step (generator and discriminators) of
// each GAN at its reference-architecture preset, against the reference code, and at `cpu` (zoo only: the
// references fix their layer widths, so none of them can build the cpu networks).
// PyTorch sides: Tools/bench/bench_retrogan_torch.py, bench_dvdgan_torch.py, bench_futuregan_torch.py.

import Foundation
import GANs
import ZooCore
import ZooCLI

private let widthsDiffer = "the reference fixes its layer widths for its own architecture; it cannot build cpu"

/// Retrospective Cycle GAN against github.com/SaulZhang/Video_Prediction_ZOO (RetrospectiveCycleGAN/).
struct RetroGANBenchmark: PresetTrainBenchmark {
    let name = "retrogan"
    let referenceRepository = "github.com/SaulZhang/Video_Prediction_ZOO"
    let referenceMarker = "RetrospectiveCycleGAN/models.py"
    let torchScript = "bench_retrogan_torch.py"

    /// `reference64` (4 frames in, 1 out: 5-frame clips) at batch 2 (the reference's batch is 20); `cpu`
    /// at its own batch.
    func rows(quick: Bool) -> [ModelBenchRow] {
        [
            row("reference64", batch: 2, frames: RetroGANConfig.reference64.trainClipLength, repetitions: 5, quick: quick),
            row("cpu", batch: RetroGANConfig.cpu.batchSize, frames: RetroGANConfig.cpu.trainClipLength, repetitions: 5,
                quick: quick, torchMissing: widthsDiffer),
        ]
    }

    var presets: KeyValuePairs<String, RetroGANConfig> { RetroGANConfig.presets }

    func makeModel(_ config: RetroGANConfig, rng: inout RandomGenerator) throws -> any VideoPredictor {
        RetroGAN(config: config, rng: &rng)
    }
}

/// DVD-GAN against github.com/Harrypotterrrr/DVD-GAN. The reference generates whole clips from noise;
/// zoo's generator is conditioned on context frames (our adaptation), so the PyTorch row generates the
/// same number of frames from noise and the two steps differ by zoo's context encoder.
struct DVDGANBenchmark: PresetTrainBenchmark {
    let name = "dvd-gan"
    let referenceRepository = "github.com/Harrypotterrrr/DVD-GAN"
    let referenceMarker = "Module/Generator.py"
    let torchScript = "bench_dvdgan_torch.py"

    /// `reference64` (4 context + 4 predicted frames, k = 4 frames for the spatial discriminator) at batch
    /// 2 (the reference's batch is 8); `cpu` at its own batch.
    func rows(quick: Bool) -> [ModelBenchRow] {
        [
            row("reference64", batch: 2, frames: DVDGANConfig.reference64.contract.clipLength, repetitions: 5,
                quick: quick),
            row("cpu", batch: DVDGANConfig.cpu.batchSize, frames: DVDGANConfig.cpu.contract.clipLength, repetitions: 5,
                quick: quick, torchMissing: widthsDiffer),
        ]
    }

    var presets: KeyValuePairs<String, DVDGANConfig> { DVDGANConfig.presets }

    func makeModel(_ config: DVDGANConfig, rng: inout RandomGenerator) throws -> any VideoPredictor {
        DVDGAN(config: config, rng: &rng)
    }
}

/// FutureGAN against github.com/TUM-LMF/FutureGAN, at the last stage of progressive growing (the
/// networks at the frame size, after the fade-in): the most expensive step of a run.
struct FutureGANBenchmark: PresetTrainBenchmark {
    let name = "futuregan"
    let referenceRepository = "github.com/TUM-LMF/FutureGAN"
    let referenceMarker = "model.py"
    let torchScript = "bench_futuregan_torch.py"

    /// `mmnist64` (the reference's own protocol: 64x64 gray, 6 + 6 frames, 512 channels) at batch 1 (the
    /// reference's batch at 64x64 is 16); `cpu` at its own batch.
    func rows(quick: Bool) -> [ModelBenchRow] {
        [
            row("mmnist64", batch: 1, frames: FutureGANConfig.mmnist64.contract.clipLength, repetitions: 3, quick: quick),
            row("cpu", batch: FutureGANConfig.cpu.batchSize, frames: FutureGANConfig.cpu.contract.clipLength,
                repetitions: 5, quick: quick, torchMissing: widthsDiffer),
        ]
    }

    var presets: KeyValuePairs<String, FutureGANConfig> { FutureGANConfig.presets }

    /// The model grown to its last stage, after the fade-in (the fade-in paths dropped, as the PyTorch side flushes).
    func makeModel(_ config: FutureGANConfig, rng: inout RandomGenerator) throws -> any VideoPredictor {
        let model = FutureGAN(config: config, rng: &rng)
        try model.enterStage(config.phaseCount - 1)
        return model
    }

    /// A step of the last stage after its fade-in (α = 1).
    func firstStep(_ config: FutureGANConfig) -> Int { (config.stageCount - 1) * config.stageSteps + config.fadeInSteps }
}
