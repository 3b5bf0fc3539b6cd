# Times R `surveillance` on the series written by bench/surveillance/run.py.
# Usage: Rscript bench/surveillance/bench.R DATA_DIR N_WEEKLY N_DAILY REPS
suppressPackageStartupMessages(library(surveillance))
a <- commandArgs(trailingOnly = TRUE)
dir <- a[1]; n_w <- as.integer(a[2]); n_d <- as.integer(a[3]); reps <- as.integer(a[4])
weekly <- as.matrix(read.csv(file.path(dir, "weekly.csv")))[1:n_w, , drop = FALSE]
daily <- as.matrix(read.csv(file.path(dir, "daily.csv")))[1:n_d, , drop = FALSE]
sw <- sts(observed = t(weekly), frequency = 52)
sd <- sts(observed = t(daily), frequency = 365)
T_w <- ncol(weekly); T_d <- ncol(daily)
ctrl_flex <- list(range = (T_w - 51):T_w, b = 5, w = 3, noPeriods = 10, weightsThreshold = 2.58,
                  pastWeeksNotIncluded = 26, pThresholdTrend = 0.05, thresholdMethod = "nbPlugin",
                  glmWarnings = FALSE)
stopifnot(all(names(ctrl_flex) %in% names(formals(farringtonFlexible)$control) | names(ctrl_flex) == "range"))
out <- data.frame(task = character(), rep = integer(), seconds = numeric(), cpu = numeric(), n_series = integer())
cpu_of <- function(st) st[["user.self"]] + st[["sys.self"]]
for (r in seq_len(reps)) {
  st <- system.time(suppressWarnings(farringtonFlexible(sw, control = ctrl_flex)))
  out[nrow(out) + 1, ] <- list("flexible_weekly", r, st[["elapsed"]], cpu_of(st), n_w)
  for (m in c("C1", "C2", "C3")) {
    first <- switch(m, C1 = 8, C2 = 10, C3 = 12)
    st <- system.time(earsC(sd, control = list(method = m, range = first:T_d)))
    out[nrow(out) + 1, ] <- list(paste0("ears_", m), r, st[["elapsed"]], cpu_of(st), n_d)
  }
}
write.csv(out, file.path(dir, "r_timings.csv"), row.names = FALSE)
