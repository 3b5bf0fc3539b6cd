# R `surveillance` on the daily series written by daily_vs_r.py.
# Usage: Rscript bench/surveillance/daily.R DATA_DIR
# Reads counts.csv (rows = series, columns = days), first.txt (1-based first judged day)
# and methods.csv (label, fun, control as R code); writes r_<label>.csv (alarm,
# upperbound per series and judged day) and r_timings.csv.
suppressPackageStartupMessages(library(surveillance))
dir <- commandArgs(trailingOnly = TRUE)[1]
counts <- as.matrix(read.csv(file.path(dir, "counts.csv")))
first <- as.integer(readLines(file.path(dir, "first.txt")))
methods <- read.csv(file.path(dir, "methods.csv"), stringsAsFactors = FALSE)
n_t <- ncol(counts)
rng <- first:n_t
sd <- sts(observed = t(counts), frequency = 365)
timings <- data.frame(label = character(), cpu = numeric(), n_series = integer())
for (i in seq_len(nrow(methods))) {
  ctrl <- eval(parse(text = methods$control[i]))
  fun <- methods$fun[i]
  allowed <- if (fun == "earsC") c("method", "baseline", "minSigma", "alpha")
             else names(formals(farringtonFlexible)$control)
  bad <- setdiff(names(ctrl), allowed)   # R ignores misspelled control names silently (DOMAIN.md)
  if (length(bad)) stop("unknown control name(s): ", paste(bad, collapse = ", "))
  ctrl$range <- rng
  st <- system.time({
    r <- if (fun == "earsC") earsC(sd, control = ctrl)
         else suppressWarnings(farringtonFlexible(sd, control = c(ctrl, list(glmWarnings = FALSE))))
  })
  al <- t(alarms(r)); ub <- t(upperbound(r))
  out <- data.frame(row = rep(seq_len(nrow(counts)) - 1L, each = length(rng)),
                    t = rep(rng - 1L, times = nrow(counts)),
                    alarm = as.integer(as.vector(t(al))),
                    upperbound = sprintf("%.15g", as.vector(t(ub))))
  write.csv(out, file.path(dir, paste0("r_", methods$label[i], ".csv")), row.names = FALSE)
  timings[nrow(timings) + 1, ] <- list(methods$label[i], st[["user.self"]] + st[["sys.self"]], nrow(counts))
}
write.csv(timings, file.path(dir, "r_timings.csv"), row.names = FALSE)
