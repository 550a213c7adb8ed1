"""The course's own tooling: claims checked on each run, exercise checks, student copies, Colab cells, and the
``ganlab`` command (``doctor``, ``course``, ``train``, ``sample``, ``evaluate``)."""
