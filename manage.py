#!/usr/bin/env python3
from kefu.cli import main

if __name__ == "__main__":
    main()
