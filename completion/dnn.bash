# bash completion for dnn(1): commands, their options (read from the
# program's own --help, so they stay in step with it), option values, and
# files by what each operand is: a spec (.json), data (.csv, .gz), a model
# (.dnn).

_dnn_commands()
{
	"$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

_dnn_options()
{
	"$1" "$2" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_dnn()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local dnn=${words[0]} cmd= i n_args=0

	# The command, and how many operands come before the cursor.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-o | --output | -e | --epochs | -b | --batch-size | -l | --learning-rate | \
			-s | --seed | -j | --threads | --optimizer | --validation | \
			--validation-data | --target | --ignore | --categorical | --missing | \
			--delimiter | --unknown | --patience | --resume | --log | --plot | \
			--momentum | --min-accuracy | --samples | --epsilon | --tolerance | \
			--model | --start | --end | --top | --spec)
			((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			else
				((n_args++))
			fi
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$(_dnn_commands "$dnn") --help --version" -- "$cur"))
		return
	fi

	case $prev in
	--delimiter)
		# Quoted for the shell: ; and | are its own.
		local d
		for d in , '\;' tab '\|'; do
			[[ $d == "$cur"* || ${d#\\} == "$cur"* ]] && COMPREPLY+=("$d")
		done
		return ;;
	--missing)
		COMPREPLY=($(compgen -W "error mean" -- "$cur"))
		return ;;
	--unknown)
		COMPREPLY=($(compgen -W "error ignore" -- "$cur"))
		return ;;
	--optimizer)
		COMPREPLY=($(compgen -W "sgd adam rmsprop lbfgs" -- "$cur"))
		return ;;
	-o | --output | --resume | --model)
		COMPREPLY=($(compgen -f -X '!*.dnn' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	--validation-data)
		COMPREPLY=($(compgen -f -X '!*.@(csv|gz|tsv|txt)' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	--spec)
		COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
		return ;;
	--log | --plot)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-e | --epochs | -b | --batch-size | -l | --learning-rate | -s | --seed | -j | \
		--threads | --validation | --target | --ignore | --categorical | --patience | \
		--momentum | --min-accuracy | --samples | --epsilon | --tolerance | --start | \
		--end | --top)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_dnn_options "$dnn" "$cmd")" -- "$cur"))
		return
	fi

	local want
	case $cmd in
	help) COMPREPLY=($(compgen -W "$(_dnn_commands "$dnn")" -- "$cur")); return ;;
	train | gradcheck | lr-find) [[ $n_args -eq 0 ]] && want=json || want=data ;;
	predict | eval | hessian | info) [[ $n_args -eq 0 ]] && want=dnn || want=data ;;
	*) want=any ;;
	esac
	shopt -s extglob
	case $want in
	json) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur")) ;;
	dnn) COMPREPLY=($(compgen -f -X '!*.dnn' -- "$cur")) ;;
	data) COMPREPLY=($(compgen -f -X '!*.@(csv|gz|tsv|txt)' -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
	COMPREPLY+=($(compgen -d -- "$cur"))
	[[ ${#COMPREPLY[@]} -eq 1 && -d ${COMPREPLY[0]} ]] && compopt -o nospace 2>/dev/null
	return 0
} && complete -F _dnn dnn
