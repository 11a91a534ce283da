/** OBP's standard estimator names. */
export type StandardEstimatorName = "dm" | "ipw" | "snipw" | "dr" | "sndr" | "switch-dr" | "dr-os" | "sg-ipw" | "sg-dr" | "rm";
/** Slate estimator names (OBP's plus the pseudoinverse `pi`). */
export type SlateEstimatorName = "sips" | "iips" | "rips" | "snsips" | "sniips" | "snrips" | "cascade-dr" | "pi";
type Floats = Float64Array | ArrayLike<number>;
type Indices = Int32Array | Uint32Array | ArrayLike<number>;

/** Logged bandit feedback plus the evaluation policy (OBP's names in camelCase). */
export interface BanditInput {
  /** Observed reward per round. */
  reward: Floats;
  /** Logged action per round, in 0..nActions. */
  action: Indices;
  /** Logging policy's probability of the logged action (at the logged position), in (0, 1]. */
  pscore: Floats;
  /** Position per round in 0..lenList (required when lenList > 1). */
  position?: Indices;
  /** Evaluation policy π_e(a | x_i, k), flat row-major n × nActions × lenList (OBP's action_dist). */
  actionDist: Floats;
  /** Reward model q̂(x_i, a, k), flat n × nActions × lenList; needed by dm, dr, sndr, switch-dr, dr-os, sg-dr. */
  estimatedRewardsByRegModel?: Floats;
  /** Logging policy over all actions, flat n × nActions × lenList (OBP's pi_b); used by diagnostics. */
  piB?: Floats;
  nActions: number;
  /** Number of positions; default 1. */
  lenList?: number;
  /** Optional; must equal reward.length when given. */
  nRounds?: number;
  /** Accepted and ignored, so that OBP-shaped objects pass. */
  context?: unknown;
  actionContext?: unknown;
}

/** OBP's lambda_: clipping (ipw, dr), switching threshold (switch-dr), shrinkage (dr-os) or sub-Gaussian λ ∈ [0, 1] (sg-*). */
export interface EstimatorParams { lambda?: number }

export interface IntervalOptions {
  /** Significance level; default 0.05 (a 95% interval). */
  alpha?: number;
  /** Bootstrap resamples; default 10000. */
  nBootstrapSamples?: number;
  /** Seed; without it the bootstrap draws a fresh seed. */
  randomState?: number;
  /**
   * "bootstrap" (default): resample rounds and recompute the estimator (self-normalized estimators include the
   * normalizer's variance); "obp-bootstrap": OBP 0.5.7's procedure; "normal": delta-method CLT interval;
   * "bernstein": empirical Bernstein bound (standard estimators).
   */
  method?: "bootstrap" | "obp-bootstrap" | "normal" | "bernstein";
  /** A-priori range of the per-round values for "bernstein"; default: the observed range. */
  valueRange?: [number, number];
}

export interface IntervalResult {
  /** Mean of the bootstrap estimates (OBP's convention), or the point estimate for the other methods. */
  mean: number;
  lower: number;
  upper: number;
  /** The point estimate on the full data. */
  estimate: number;
  method: string;
  alpha: number;
}

export interface EstimateDiagnostics {
  estimatorName: StandardEstimatorName;
  lambda?: number;
  nRounds: number;
  /** (Σw)² / Σw² of the weights the estimator uses. */
  effectiveSampleSize: number;
  essRatio: number;
  meanWeight: number;
  maxWeight: number;
  zeroWeightShare: number;
  /** Mean of π_e/pscore: ≈ 1 when the logger covers the target's support. */
  meanRawWeight: number;
  meanRawWeightSe: number;
  /** Exact target mass outside the logger's support (needs piB). */
  unsupportedMass?: number;
  massOnUnloggedActions: number;
  supportViolation: boolean;
  /** Why an estimate is NaN or uninformative, and other findings. */
  warnings: string[];
}

export interface SummaryRow {
  estimatorName: StandardEstimatorName;
  lambda?: number;
  estimate: number;
  lower: number;
  upper: number;
  method: string;
  relativeEe?: number;
  squaredError?: number;
  effectiveSampleSize: number;
  supportViolation: boolean;
  warnings: string[];
}

export interface StreamingState {
  estimatorName: StandardEstimatorName;
  lambda?: number;
  moments: { n: number; mean: [number, number, number]; comoment: number[][] };
}

/** Slot-level slate feedback (OBP's names in camelCase); each estimator reads the arrays it needs. */
export interface SlateInput {
  slateId: Indices;
  position: Indices;
  reward: Floats;
  lenList: number;
  pscore?: Floats;
  evaluationPolicyPscore?: Floats;
  pscoreItemPosition?: Floats;
  evaluationPolicyPscoreItemPosition?: Floats;
  pscoreCascade?: Floats;
  evaluationPolicyPscoreCascade?: Floats;
  /** Item of each slot (cascade-dr, pi). */
  action?: Indices;
  nUniqueAction?: number;
  /** cascade-dr: reward model, flat nSlates × lenList × nUniqueAction. */
  qHat?: Floats;
  /** cascade-dr: π_e(a | x, logged prefix) per position, flat nSlates × lenList × nUniqueAction. */
  evaluationPolicyActionDist?: Floats;
  /** pi: π_e's marginal probability of each item at each position, flat nSlates × lenList × nUniqueAction. */
  evaluationPolicyItemPositionDist?: Floats;
  nRounds?: number;
}

/** Signals a world produces; any of them can be the reward. */
export type SignalName = "click" | "stream" | "skip" | "dwell" | "save" | "thumbsUp" | "thumbsDown" | "revenue";

/** World config: every key optional; unknown keys and out-of-range values throw. */
export interface WorldConfig {
  seed?: number;
  nUsers?: number;            // 1000
  nItems?: number;            // 200
  nTopics?: number;           // 8
  nCreators?: number;         // 50
  nFeatures?: number;         // 4 visible user features
  popularitySkew?: number;    // 1.0, Zipf exponent of item popularity
  popularityEffect?: number;  // 0.4, logit effect of popularity on liking
  tasteStrength?: number;     // 1.5
  noise?: number;             // 0.5
  baseClickRate?: number;     // 0.1, average probability of liking
  userActivitySkew?: number;  // 0, Zipf exponent of user activity
  featureNoise?: number;      // 0.5
  markets?: { name?: string; userShare: number; itemShare: number }[];
  languagePenalty?: number;   // 2.0
  positionBias?: { model?: "pbm" | "cascade"; eta?: number };
  intent?: { samplingShare?: number; tasteLink?: number; declaredShare?: number };
  ratings?: { rate?: number; mnar?: number };
  reward?: SignalName;        // "click"
}

/** Where a policy's scores come from. */
export type ScoreConfig =
  | "relevance" | "popularity" | "noise" | `model:${string}`
  | { relevance?: number; popularity?: number; noise?: number; noiseSeed?: number; model?: string; modelWeight?: number };

/** A policy (toy recommender). */
export type PolicyConfig =
  | { kind: "uniform" }
  | { kind: "softmax"; beta: number; score?: ScoreConfig }
  | { kind: "greedy"; score?: ScoreConfig }
  | { kind: "top-k"; k: number; score?: ScoreConfig }
  | { kind: "popularity"; power?: number }
  | { kind: "epsilon-greedy"; epsilon: number; base: PolicyConfig }
  | { kind: "mixture"; components: { weight: number; policy: PolicyConfig }[] }
  | { kind: "thompson"; batchSize?: number; nSamples?: number; priorAlpha?: number; priorBeta?: number };

export interface CollectOptions { nRounds: number; seed?: number; lenList?: number; reward?: SignalName }

export type RewardModelConfig =
  | { kind?: "true"; misspecification?: number; bias?: number; noise?: number; seed?: number }
  | { kind: "tabular"; smoothing?: number }
  | { kind: "ridge"; lambda?: number };

export type RecommenderConfig =
  | { kind?: "mf"; factors?: number; epochs?: number; learningRate?: number; regularization?: number; weighting?: "none" | "ipw"; clip?: number; seed?: number }
  | { kind: "item-knn"; neighbors?: number; weighting?: "none" | "ipw"; clip?: number }
  | { kind: "ridge"; lambda?: number };

export interface LabScenario {
  logger: PolicyConfig;
  target: PolicyConfig;
  nRounds?: number;            // 10000
  replicates?: number;         // 100
  seed?: number;
  /** Names (or "naive"), or { estimatorName, lambda, component, label }. */
  estimators?: Array<StandardEstimatorName | "naive" | { estimatorName: StandardEstimatorName | "naive"; lambda?: number; component?: number; label?: string }>;
  rewardModel?: RewardModelConfig;
  alpha?: number;
  /** 0 (default): normal intervals; otherwise bootstrap resamples per interval. */
  nBootstrapSamples?: number;
  reward?: SignalName;
}

export interface LabReplicate {
  index: number;
  estimates: { value: number; lower: number; upper: number; n: number }[];
  ess: number;
  maxWeight: number;
}

export interface LabSummary {
  label: string;
  estimatorName: string;
  lambda?: number;
  component?: number;
  mean: number;
  bias: number;
  sd: number;
  rmse: number;
  coverage: number;
  meanWidth: number;
  meanSe: number;
}
