// VD, the ablation of RVD in Yang, Srivastava & Mandt (arXiv 2203.09481): the same denoiser, context
// net, diffusion and training, with the residual switched off (no transform net; μ = 0, σ = 1, so the
// diffusion models the frame itself). This target holds no network code: it configures RVD's model,
// as the reference does with `transform_mode != "residual"` (train_video.py:48–59).

import ZooCore
import RVD

/// The VD configs: RVD's with `residual` false.
public enum VDConfig {
    /// `config` with the residual switched off (everything else unchanged).
    public static func from(_ config: RVDConfig) -> RVDConfig {
        var c = config
        c.residual = false
        c.learnedScale = false
        return c
    }

    /// Presets by name, RVD's each without the residual; the first is the default of `zoo train vd`.
    public static let presets: KeyValuePairs<String, RVDConfig> = [
        "cpu": from(.cpu), "tiny": from(.tiny), "bair64": from(.bair64), "kth64": from(.kth64),
        "city128": from(.city128), "sim128": from(.sim128),
    ]
}

/// The VD family.
public enum VD {
    /// The registry entry "vd" (builds `RVD` with `residual` false; bair64 has 32,494,323 parameters).
    public static let entry = ModelEntry.create(
        name: "vd",
        summary: "Video diffusion without the residual (RVD's ablation): the denoiser models the frame itself.",
        paper: "Yang, Srivastava & Mandt, Diffusion Probabilistic Modeling for Video Generation, arXiv 2203.09481 (ablation 'VD')",
        presets: VDConfig.presets,
        validate: { config in
            guard !config.residual else { throw PredictorError.invalidConfig("vd: residual must be false (use rvd)") }
            try config.validate()
        },
        build: { config, rng in RVD(config: config, modelName: "vd", rng: &rng) })
}
