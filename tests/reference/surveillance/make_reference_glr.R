# R `algo.glrnb` (via glrnb()) reference for the negative-binomial GLR chart (Hoehle & Paul 2008).
# Sourced by make_reference.R at its end; runs alone too, on the checked-in weekly series:
#   Rscript tests/reference/surveillance/make_reference_glr.R tests/reference/surveillance/data
# In-control means mu0 are given explicitly (the mean of each series before the range, as
# TierCare's glr_nb without `expected`), so both sides monitor the same model; M is the
# window (k from n - M to n; -1 = all since the last alarm), Mtilde = 1, change in the
# intercept, kappa estimated (theta = NULL), ret = "cases" (the count that would alarm).
if (!exists("out")) {
  suppressPackageStartupMessages(library(surveillance))
  a <- commandArgs(trailingOnly = TRUE)
  out <- if (length(a) >= 1) a[1] else "tests/reference/surveillance/data"
  weekly <- as.matrix(read.csv(file.path(out, "weekly_counts.csv")))
}
n_w <- ncol(weekly)
rng_g <- (n_w - 51):n_w
glr_names <- c("range", "c.ARL", "mu0", "alpha", "Mtilde", "M", "change", "theta", "dir", "ret", "xMax")
glr_sets <- list(
  glr_pois_m25 = list(alpha = 0, c.ARL = 5, M = 25),
  glr_nb02_m25 = list(alpha = 0.2, c.ARL = 5, M = 25),
  glr_nb05_all = list(alpha = 0.5, c.ARL = 4, M = -1)
)
glr_out <- list()
for (nm in names(glr_sets)) {
  ub <- matrix(NA_real_, nrow = 10, ncol = length(rng_g)); al <- ub; ex <- ub
  for (s in 1:10) {
    y <- weekly[s, ]
    mu0 <- rep(mean(y[1:(min(rng_g) - 1)]), length(rng_g))
    ctrl <- c(glr_sets[[nm]], list(range = rng_g, mu0 = mu0, Mtilde = 1, change = "intercept",
                                   theta = NULL, dir = "inc", ret = "cases"))
    bad <- setdiff(names(ctrl), glr_names)
    if (length(bad)) stop("unknown control name(s): ", paste(bad, collapse = ", "))
    r <- glrnb(sts(observed = matrix(y, ncol = 1), frequency = 52), control = ctrl)
    ub[s, ] <- as.vector(upperbound(r)); al[s, ] <- as.vector(alarms(r)); ex[s, ] <- mu0
  }
  glr_out[[nm]] <- data.frame(set = nm, series = rep(0:9, each = length(rng_g)),
                              t = rep(rng_g - 1L, times = 10),
                              upperbound = sprintf("%.15g", as.vector(t(ub))),
                              alarm = as.integer(as.vector(t(al))),
                              expected = sprintf("%.15g", as.vector(t(ex))))
}
gz <- gzfile(file.path(out, "glr_reference.csv.gz"), "w")
write.csv(do.call(rbind, glr_out), gz, row.names = FALSE); close(gz)
