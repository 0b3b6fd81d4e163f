"""The paper's method as named constants, each with its source (STYLE.md §3)."""

#: Number of equal-width compute bins of the frontier fit (PAPER.md, "The paper's fit", step 2).
N_BINS = 5
#: Pad the upper bin edge by 0.1 (log10 units) so the largest run falls inside the last bin
#: (PAPER.md, fit step 2; the authors' ``binned_line_fit(..., eps=0.1)``).
UPPER_EDGE_PAD_LOG10 = 0.1
#: OpenAI CLIP models count 12.8B samples seen (PAPER.md, "Definitions").
OPENAI_SAMPLES_SEEN = 12.8e9
#: Samples-seen grid of the extrapolation in Fig 8 / Table 4 (PAPER.md, fit step 6).
EXTRAPOLATION_SAMPLES_SEEN = {
    "1B": 1e9,
    "3B": 80_000_415 * 32,
    "13B": 407_332_084 * 32,
    "34B": 407_332_084 * 84,
    "68B": 2 * 407_332_084 * 84,
}
#: Architectures of the extrapolation grid (PAPER.md, fit step 6).
EXTRAPOLATION_ARCHS = ("ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-H-14", "ViT-g-14", "ViT-G-14")
#: The upstream datasets of the OpenCLIP runs, pooled by the paper fit (PAPER.md, fit step 1).
LAION_UPSTREAMS = ("LAION-80M", "LAION-400M", "LAION-2B")
OPENAI_UPSTREAM = "CLIP-WIT"
