#!/usr/bin/env python3
"""Writes edgeflow(1) in troff (man macros) from the command tree the binary describes itself.

usage: gen-manpage.py EDGEFLOW_BINARY VERSION > edgeflow.1

The tree comes from `edgeflow --experimental-dump-help` (swift-argument-parser's JSON
description of every command, option and help text), so the page lists exactly the commands
and options the binary parses; nothing here repeats them by hand.
"""
import json, subprocess, sys


def escape(text):
    """Text safe for a troff line: backslashes doubled, a leading '.' or "'" protected."""
    out = []
    for line in (text or "").split("\n"):
        line = line.replace("\\", "\\e").replace("-", "\\-")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def flag_names(argument):
    names = []
    for n in argument.get("names", []):
        names.append(("-" if n["kind"] == "short" else "--") + n["name"])
    return names


def argument_entry(argument):
    names = flag_names(argument)
    value = argument.get("valueName")
    if argument["kind"] == "positional":
        head = "<%s>" % value
    elif argument["kind"] == "flag":
        head = ", ".join(names)
    else:
        head = ", ".join("%s <%s>" % (n, value) for n in names)
    lines = [".TP", "\\fB%s\\fR" % escape(head), escape(argument.get("abstract", ""))]
    if argument.get("defaultValue") not in (None, ""):
        lines.append("(default: %s)" % escape(str(argument["defaultValue"])))
    if argument.get("discussion"):
        lines.append(escape(str(argument["discussion"])))
    return lines


def command_section(command, path):
    name = " ".join(path)
    lines = [".SS %s" % escape(name)]
    if command.get("abstract"):
        lines.append(escape(command["abstract"]))
    arguments = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)
                 and a.get("preferredName", {}).get("name") not in ("help", "version")]
    if command.get("discussion"):
        # One output line per help line, so each "Example:" stands on its own.
        lines += [".PP", "\n.br\n".join(escape(l) for l in command["discussion"].split("\n"))]
    for a in arguments:
        lines += argument_entry(a)
    for sub in command.get("subcommands", []):
        if sub["commandName"] == "help" or not sub.get("shouldDisplay", True):
            continue
        lines += command_section(sub, path + [sub["commandName"]])
    return lines


def main():
    binary, version = sys.argv[1], sys.argv[2]
    tree = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True,
                                     capture_output=True, text=True).stdout)["command"]
    commands = [c["commandName"] for c in tree.get("subcommands", []) if c["commandName"] != "help"]
    page = [
        '.TH EDGEFLOW 1 "" "edgeflow %s" "User Commands"' % escape(version),
        ".SH NAME",
        "edgeflow \\- %s" % escape(tree.get("abstract", "")),
        ".SH SYNOPSIS",
        "\\fBedgeflow\\fR \\fI<command>\\fR [\\fIoptions\\fR]",
        ".PP",
        "Commands: %s." % escape(", ".join(commands)),
        ".SH DESCRIPTION",
        "\n.br\n".join(escape(l) for l in tree.get("discussion", "").split("\n")),
        ".SH COMMANDS",
    ]
    for sub in tree.get("subcommands", []):
        if sub["commandName"] != "help" and sub.get("shouldDisplay", True):
            page += command_section(sub, ["edgeflow", sub["commandName"]])
    page += [
        ".SH FILES",
        ".TP", "/etc/edgeflow/config.yaml", "The agent's config (a conffile: upgrades keep your edits).",
        ".TP", "/usr/share/edgeflow/boards", "Board descriptions: GPIO chips and lines by name, serial ports.",
        ".TP", "/var/lib/edgeflow", "The data directory of the packaged service: spool, records, dead letters.",
        ".TP", "/lib/systemd/system/edgeflow.service", "The systemd unit (Type=notify, watchdog).",
        ".SH EXIT STATUS",
        "0 success; 1 a device, endpoint or check failed; 2 a usage or config error.",
        ".SH SEE ALSO",
        "\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1)",
    ]
    sys.stdout.write("\n".join(page) + "\n")


if __name__ == "__main__":
    main()
