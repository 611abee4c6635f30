# fish completion for dnn(1): commands, their options, option values, and
# files by what each operand is: a spec (.json), data (.csv, .gz), a model
# (.dnn). As for bash (dnn.bash), the commands and each command's options,
# with what each option's argument is, come from the program itself
# (dnn --complete [COMMAND]), which reads them from the tables that parse them.

# __dnn_files KIND: files of KIND (spec, model, data, or any file) and
# directories that complete the current token.
function __dnn_files
	set -l cur (commandline -ct)
	set -l pat
	switch $argv[1]
		case spec
			set pat '\.json$'
		case model
			set pat '\.dnn$'
		case data
			set pat '\.(csv|gz|tsv|txt)$'
	end
	# __fish_complete_path prints each path, a tab and a description.
	for f in (__fish_complete_path $cur | string replace -r '\t.*' '')
		if test -z "$pat"; or test -d "$f"; or string match -qr -- $pat $f
			echo $f
		end
	end
end

# __dnn_complete: what the word under the cursor may be, after the command.
function __dnn_complete
	set -l words (commandline -opc)
	set -l dnn $words[1]
	set -l cmd $words[2]
	set -l cur (commandline -ct)
	if test "$cmd" = help
		test (count $words) -eq 2; and $dnn --complete 2>/dev/null
		return 0
	end
	set -l names
	set -l kinds
	set -l rests
	for line in ($dnn --complete $cmd 2>/dev/null)
		set -l f (string split -m 2 ' ' -- $line)
		set -a names $f[1]
		set -a kinds $f[2]
		set -a rests "$f[3]"
	end
	# The operands before the cursor and whether an option's argument is due.
	set -l expect 0
	set -l n_args 0
	set -l rest_args 0
	for w in $words[3..-1]
		if test $rest_args = 1
			set n_args (math $n_args + 1)
		else if test $expect != 0
			set expect 0
		else if test "$w" = --
			set rest_args 1
		else if not string match -q -- '-?*' $w
			set n_args (math $n_args + 1)
		else if set -l i (contains -i -- $w $names)
			test $kinds[$i] != flag; and set expect $i
			switch $cmd$w
				case train--resume gradcheck--model hessian--spec
					set n_args (math $n_args + 1)
			end
		end
	end
	if test $expect != 0
		switch $kinds[$expect]
			case words
				string split ' ' -- $rests[$expect]
			case file model data spec
				__dnn_files $kinds[$expect]
		end
		return 0
	end
	if string match -q -- '-*' $cur; and test $rest_args = 0
		printf '%s\n' $names
		return 0
	end
	set -l want any
	switch $cmd
		case train gradcheck lr-find cv tune
			set want spec
		case predict eval importance hessian landscape info export
			set want model
	end
	test $n_args -gt 0; and test $want != any; and set want data
	test $cmd = split; and test $n_args -eq 0; and set want data
	__dnn_files $want
end

complete -c dnn -f
complete -c dnn -n __fish_use_subcommand -a '(dnn --complete 2>/dev/null)'
complete -c dnn -n __fish_use_subcommand -l help -d 'show the usage'
complete -c dnn -n __fish_use_subcommand -l version -d 'show the version'
complete -c dnn -n 'not __fish_use_subcommand' -a '(__dnn_complete)'
