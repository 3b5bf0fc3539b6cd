# Reference outputs of R `surveillance` for TierCare's detectors.
# Run from the repository root (see README.md beside this file):
#   Rscript tests/reference/surveillance/make_reference.R tests/reference/surveillance/data
# Needs only Debian's r-cran-surveillance (tested with surveillance 1.20.3).
suppressPackageStartupMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/reference/surveillance/data"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(20251123)

# ---- the series -------------------------------------------------------------
# Weekly: 50 series x 7 years (364 weeks), negative binomial with trend, yearly
# seasonality, a few past outbreaks; sparse (mean < 1) to dense (mean ~ 60).
n_w <- 364; S <- 50
weekly <- matrix(0L, nrow = S, ncol = n_w)
t <- 1:n_w
for (s in 1:S) {
  base <- exp(runif(1, log(0.3), log(60)))
  trend <- sample(c(0, 0, 0.001, -0.001, 0.002), 1)
  amp <- runif(1, 0, 0.8)
  phi <- sample(c(1, 1.5, 2, 4), 1)
  mu <- base * exp(trend * t + amp * sin(2 * pi * t / 52) + amp / 2 * cos(2 * pi * t / 52))
  y <- if (phi == 1) rpois(n_w, mu) else rnbinom(n_w, mu = mu, size = mu / (phi - 1))
  for (k in 1:3) {                       # past or current outbreaks
    st <- sample(50:(n_w - 5), 1)
    y[st:(st + 3)] <- y[st:(st + 3)] + rpois(4, 3 * sqrt(phi * mu[st]) + 1)
  }
  weekly[s, ] <- y
}
# Daily: 50 series x 3 years (1095 days) with day-of-week effect, sparse and dense.
n_d <- 1095
daily <- matrix(0L, nrow = S, ncol = n_d)
td <- 1:n_d
dow <- c(1.2, 1.1, 1, 1, 0.9, 0.5, 0.4)
for (s in 1:S) {
  base <- exp(runif(1, log(0.05), log(30)))
  mu <- base * dow[(td - 1) %% 7 + 1] * exp(0.4 * sin(2 * pi * td / 365))
  y <- rpois(n_d, mu)
  st <- sample(30:(n_d - 10), 1)
  y[st:(st + 4)] <- y[st:(st + 4)] + rpois(5, 4 * sqrt(base) + 2)
  daily[s, ] <- y
}
write.csv(weekly, file.path(out, "weekly_counts.csv"), row.names = FALSE)
write.csv(daily, file.path(out, "daily_counts.csv"), row.names = FALSE)

# ---- guard against silently ignored control names (DOMAIN.md) ---------------
check_control <- function(ctrl, allowed) {
  bad <- setdiff(names(ctrl), allowed)
  if (length(bad)) stop("unknown control name(s): ", paste(bad, collapse = ", "))
  ctrl
}
flex_names <- c("range", "b", "w", "reweight", "weightsThreshold", "verbose", "glmWarnings",
                "alpha", "trend", "pThresholdTrend", "limit54", "powertrans", "fitFun",
                "populationOffset", "noPeriods", "pastWeeksNotIncluded", "thresholdMethod")
farr_names <- c("range", "b", "w", "reweight", "verbose", "plot", "alpha", "trend", "limit54",
                "powertrans", "fitFun")
ears_names <- c("range", "method", "baseline", "minSigma", "alpha")
stopifnot(all(setdiff(flex_names, c("range")) %in% names(formals(farringtonFlexible)$control)))

long <- function(set, m, rng, ub, al, ex = NULL) {
  S <- nrow(m)
  data.frame(set = set,
             series = rep(seq_len(S) - 1L, each = length(rng)),
             t = rep(rng - 1L, times = S),
             upperbound = sprintf("%.15g", as.vector(t(ub))),
             alarm = as.integer(as.vector(t(al))),
             expected = if (is.null(ex)) "" else sprintf("%.15g", as.vector(t(ex))))
}

# ---- EARS C1 / C2 / C3 on the daily series ----------------------------------
ears_sets <- list(
  C1 = list(method = "C1"), C2 = list(method = "C2"), C3 = list(method = "C3"),
  C3_b10_a01 = list(method = "C3", baseline = 10, alpha = 0.01),
  C1_minsigma = list(method = "C1", minSigma = 0.5), C2_minsigma = list(method = "C2", minSigma = 1)
)
sts_d <- sts(observed = t(daily), frequency = 365)
ears_out <- list()
for (nm in names(ears_sets)) {
  ctrl <- ears_sets[[nm]]
  base <- if (is.null(ctrl$baseline)) 7 else ctrl$baseline
  first <- switch(ctrl$method, C1 = base + 1, C2 = base + 3, C3 = base + 5)
  ctrl$range <- first:n_d
  ctrl <- check_control(ctrl, ears_names)
  r <- earsC(sts_d, control = ctrl)
  stopifnot(nrow(upperbound(r)) == length(ctrl$range))
  ears_out[[nm]] <- long(nm, daily, ctrl$range, t(upperbound(r)), t(alarms(r)))
}
ears_df <- do.call(rbind, ears_out)
gz <- gzfile(file.path(out, "ears_reference.csv.gz"), "w")
write.csv(ears_df, gz, row.names = FALSE); close(gz)

# ---- Farrington (1996) and farringtonFlexible on the weekly series ----------
rng_w <- (n_w - 51):n_w
sts_w <- sts(observed = t(weekly), frequency = 52)
farr_sets <- list(
  farrington_default = list(b = 5, w = 3),
  farrington_b3_a01 = list(b = 3, w = 2, alpha = 0.01),
  farrington_notrend_noreweight = list(b = 5, w = 3, trend = FALSE, reweight = FALSE)
)
flex_sets <- list(
  flex_default = list(),
  flex_noufaily = list(noPeriods = 10, weightsThreshold = 2.58, pastWeeksNotIncluded = 26,
                       pThresholdTrend = 0.05, thresholdMethod = "nbPlugin"),
  flex_noufaily_muan = list(noPeriods = 10, weightsThreshold = 2.58, pastWeeksNotIncluded = 26,
                            pThresholdTrend = 0.05, thresholdMethod = "muan"),
  flex_original_opts = list(b = 4, w = 3, weightsThreshold = 1, pastWeeksNotIncluded = 3,
                            pThresholdTrend = 0.05, alpha = 0.1),
  flex_trend1_half = list(noPeriods = 4, pThresholdTrend = 1, powertrans = "1/2", limit54 = c(3, 2)),
  flex_notrend_none = list(trend = FALSE, reweight = FALSE, powertrans = "none", b = 3)
)
farr_out <- list()
for (nm in names(farr_sets)) {
  ctrl <- check_control(c(farr_sets[[nm]], list(range = rng_w)), farr_names)
  r <- farrington(sts_w, control = ctrl, verbose = FALSE)
  stopifnot(nrow(upperbound(r)) == length(rng_w))
  farr_out[[nm]] <- long(nm, weekly, rng_w, t(upperbound(r)), t(alarms(r)))
}
for (nm in names(flex_sets)) {
  ctrl <- check_control(c(flex_sets[[nm]], list(range = rng_w, glmWarnings = FALSE)), flex_names)
  r <- suppressWarnings(farringtonFlexible(sts_w, control = ctrl))
  ex <- r@control$expected
  stopifnot(nrow(upperbound(r)) == length(rng_w))
  farr_out[[nm]] <- long(nm, weekly, rng_w, t(upperbound(r)), t(alarms(r)), t(ex))
}
farr_df <- do.call(rbind, farr_out)
gz <- gzfile(file.path(out, "farrington_reference.csv.gz"), "w")
write.csv(farr_df, gz, row.names = FALSE); close(gz)
# ---- CUSUM (algo.cusum via cusum()) on the first 10 weekly series ------------
cusum_out <- list()
sts_w10 <- sts(observed = t(weekly[1:10, ]), frequency = 52)
for (tr in c("rossi", "standard")) {
  ctrl <- list(range = rng_w, k = 1.04, h = 2.26, m = NULL, trans = tr)
  r <- cusum(sts_w10, control = ctrl)
  stopifnot(nrow(upperbound(r)) == length(rng_w))
  cusum_out[[tr]] <- long(paste0("cusum_", tr), weekly[1:10, ], rng_w, t(upperbound(r)), t(alarms(r)))
}
gz <- gzfile(file.path(out, "cusum_reference.csv.gz"), "w")
write.csv(do.call(rbind, cusum_out), gz, row.names = FALSE); close(gz)

# ---- negative-binomial GLR (glrnb) on the first 10 weekly series -------------
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))),
                 "make_reference_glr.R"))

writeLines(c(paste("surveillance", as.character(packageVersion("surveillance"))),
             R.version.string), file.path(out, "VERSIONS.txt"))
cat("wrote", out, "\n")
